import { json, withApiKey, otherMethods } from "@/lib/api";
import { publicModel } from "@/lib/catalog/public";

export const dynamic = "force-dynamic";

export const GET = withApiKey(async (ctx) => json({ object: "list", data: ctx.catalog.models.map(publicModel) }));

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
