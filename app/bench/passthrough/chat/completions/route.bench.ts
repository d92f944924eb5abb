// BENCHMARK ONLY (scripts/bench/gateway.ts): the framework's floor for the gateway, a route
// handler that does nothing but forward the body to the upstream and stream its answer back.
// It answers 404 unless the server was started with BENCH_PASSTHROUGH=1, which only the
// benchmark does: production never exposes an unauthenticated, unmetered upstream proxy.

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  const base = process.env.BENCH_PASSTHROUGH === "1" ? process.env.UPSTREAM_BASE_URL : undefined;
  if (!base) return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (process.env.UPSTREAM_API_KEY) headers.authorization = `Bearer ${process.env.UPSTREAM_API_KEY}`;
  const upstream = await fetch(`${base}/chat/completions`, { method: "POST", headers, body: await req.text(), signal: req.signal });
  return new Response(upstream.body, {
    status: upstream.status,
    headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" },
  });
}
