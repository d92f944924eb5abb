import { json, withApiKey } from "@/lib/api";
import { creditsBody } from "@/lib/metering/credits";

export const dynamic = "force-dynamic";

export const GET = withApiKey(async (ctx) => json(await creditsBody(ctx.db, ctx.key, ctx.billingUrl)));
