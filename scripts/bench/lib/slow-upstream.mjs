// A slow OpenAI-compatible upstream for `npm run bench -- streams`: every streamed chat
// completion sends one content chunk every GAP_MS for CHUNKS chunks (default 600 × 50 ms =
// 30 s), then a usage chunk when include_usage, then [DONE]. Plain Node, its own process.
// One interval drives every open stream (one timer, not one per stream) and the chunk
// lines are prebuilt, so thousands of open streams cost this process as little as possible:
// it must not be what limits the app under test.
// Prints "listening <port>" once ready.
import http from "node:http";

const CHUNKS = Number(process.env.BENCH_UPSTREAM_CHUNKS ?? 600);
const GAP_MS = Number(process.env.BENCH_UPSTREAM_GAP_MS ?? 50);
const PIECES = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."];
const created = Math.floor(Date.now() / 1000);
const line = (obj) => `data: ${JSON.stringify(obj)}\n\n`;
const base = { id: "chatcmpl-slow", object: "chat.completion.chunk", created, model: "bench-upstream" };
const CONTENT = PIECES.map((p) => line({ ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] }));
const FINISH = line({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
const USAGE = line({ ...base, choices: [], usage: { prompt_tokens: 21, completion_tokens: CHUNKS, total_tokens: 21 + CHUNKS } });

/** Open streams: response → chunks sent so far. */
const open = new Map();

function finish(res, includeUsage) {
  open.delete(res);
  res.end(FINISH + (includeUsage ? USAGE : "") + "data: [DONE]\n\n");
}

setInterval(() => {
  for (const [res, s] of open) {
    if (res.destroyed) {
      open.delete(res);
      continue;
    }
    if (s.sent >= CHUNKS) finish(res, s.includeUsage);
    else res.write(CONTENT[s.sent++ % CONTENT.length]);
  }
}, GAP_MS);

const server = http.createServer((req, res) => {
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => {
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString("utf8") || "{}");
    } catch {}
    if (!body.stream) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "this upstream only streams", type: "invalid_request_error", param: "stream", code: null } }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(CONTENT[0]); // the first chunk right after the headers
    open.set(res, { sent: 1, includeUsage: Boolean(body.stream_options?.include_usage) });
    res.on("close", () => open.delete(res));
  });
});
server.keepAliveTimeout = 60_000;
server.maxConnections = 100_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", 4096, () => console.log(`listening ${server.address().port}`));
process.on("SIGTERM", () => process.exit(0));
