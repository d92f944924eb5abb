// The benchmark's plain-Node floor (scripts/bench/gateway.ts, target (d)): an http server
// that forwards POST /chat/completions to UPSTREAM_BASE_URL over node:http with a keep-alive
// agent and pipes the answer back, nothing else: no framework, no auth, no metering. Its own
// process, so its CPU is measured alone. What serving /v1 beside Next.js can at best reach.
// Prints "listening <port>" on stdout once ready. Plain Node, no tsx.
import http from "node:http";

const base = process.env.UPSTREAM_BASE_URL;
const agent = new http.Agent({ keepAlive: true, scheduling: "lifo" });

const server = http.createServer((req, res) => {
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => {
    const body = Buffer.concat(parts);
    const up = http.request(
      `${base}/chat/completions`,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.byteLength } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
        if (String(answer.headers["content-type"]).startsWith("text/event-stream")) res.flushHeaders();
        answer.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    up.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
process.on("SIGTERM", () => process.exit(0));
