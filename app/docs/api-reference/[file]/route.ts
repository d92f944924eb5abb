import { docMarkdown, siteOrigin } from "@/lib/docs";

// /docs/api-reference/<endpoint>.md: each endpoint page as markdown, from the same source as
// its HTML page. The HTML pages are static folders beside this segment, matched first.
export const dynamic = "force-dynamic";

export async function GET(req: Request, ctx: { params: Promise<{ file: string }> }) {
  const { file } = await ctx.params;
  const slug = file.endsWith(".md") ? `api-reference/${file.slice(0, -3)}` : null;
  const origin = siteOrigin(req.url, req.headers.get("host"), req.headers.get("x-forwarded-proto"));
  const body = slug ? await docMarkdown(slug, { origin }) : null;
  if (body === null) {
    return new Response(`No docs page at /docs/api-reference/${file}. The list is at ${origin}/llms.txt\n`, {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  return new Response(body, { headers: { "content-type": "text/markdown; charset=utf-8", "cache-control": "no-cache" } });
}
