// BENCHMARK ONLY (scripts/bench/gateway.ts), like ../../passthrough: the same bare forward,
// but to the upstream over node:http with a keep-alive agent, the client the metered path
// uses (lib/providers/upstream/client.ts), instead of fetch(). The benchmark reports it as
// (b′) so the metered path can also be compared with a floor that uses the same client.
// 404 unless the server was started with BENCH_PASSTHROUGH=1.
import http from "node:http";
import { Readable } from "node:stream";

export const dynamic = "force-dynamic";

const agent = new http.Agent({ keepAlive: true, scheduling: "lifo" });

export async function POST(req: Request): Promise<Response> {
  const base = process.env.BENCH_PASSTHROUGH === "1" ? process.env.UPSTREAM_BASE_URL : undefined;
  if (!base) return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });
  const body = Buffer.from(await req.arrayBuffer());
  const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", "content-length": body.byteLength };
  if (process.env.UPSTREAM_API_KEY) headers.authorization = `Bearer ${process.env.UPSTREAM_API_KEY}`;
  const upstream = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const r = http.request(`${base}/chat/completions`, { method: "POST", headers, agent, signal: req.signal }, resolve);
    r.on("error", reject);
    r.end(body);
  });
  return new Response(Readable.toWeb(upstream) as ReadableStream<Uint8Array>, {
    status: upstream.statusCode ?? 502,
    headers: { "content-type": upstream.headers["content-type"] ?? "application/json" },
  });
}
