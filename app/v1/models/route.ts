import { json, withApiKey } from "@/lib/api";
import { publicModel } from "@/lib/catalog/public";

export const dynamic = "force-dynamic";

export const GET = withApiKey(async (ctx) => json({ object: "list", data: ctx.catalog.models.map(publicModel) }));
