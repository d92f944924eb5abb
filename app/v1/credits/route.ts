import { json, withApiKey, otherMethods } from "@/lib/api";
import { creditsBody } from "@/lib/metering/credits";

export const dynamic = "force-dynamic";

export const GET = withApiKey(async (ctx) => json(await creditsBody(ctx.db, ctx.key, ctx.billingUrl)));

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
