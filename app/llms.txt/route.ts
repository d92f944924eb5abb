import { llmsTxt, siteOrigin } from "@/lib/docs";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  const origin = siteOrigin(req.url, req.headers.get("host"), req.headers.get("x-forwarded-proto"));
  return new Response(llmsTxt({ origin }), { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" } });
}
