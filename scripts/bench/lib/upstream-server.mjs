// The benchmark's OpenAI-compatible upstream (scripts/bench/gateway.ts runs it as its own
// process so its CPU is not the load generator's or the app's). Plain Node, no tsx.
//   POST /v1/chat/completions               a fixed chat completion with usage
//   POST /v1/chat/completions, stream: true  CHUNKS content chunks, CHUNK_GAP_MS apart, the
//                                            first one right after the headers, then a usage
//                                            chunk when include_usage, then [DONE]
// Prints "listening <port>" on stdout once ready.
import http from "node:http";

const CHUNKS = Number(process.env.BENCH_UPSTREAM_CHUNKS ?? 20);
const GAP_MS = Number(process.env.BENCH_UPSTREAM_GAP_MS ?? 5);
const PIECES = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."];
const USAGE = { prompt_tokens: 21, completion_tokens: CHUNKS, total_tokens: 21 + CHUNKS };
const created = Math.floor(Date.now() / 1000);
const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created,
  model: "bench-upstream",
  choices: [{ index: 0, message: { role: "assistant", content: "The quick brown fox jumps over the lazy dog." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 21, completion_tokens: 10, total_tokens: 31 },
});
const chunkLine = (i, finish) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created,
    model: "bench-upstream",
    choices: [{ index: 0, delta: finish ? {} : { content: PIECES[i % PIECES.length] }, finish_reason: finish ? "stop" : null }],
  })}\n\n`;
const usageLine = `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created, model: "bench-upstream", choices: [], usage: USAGE })}\n\n`;

const server = http.createServer((req, res) => {
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => {
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString("utf8") || "{}");
    } catch {}
    if (!body.stream) {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(completion) });
      res.end(completion);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    let i = 0;
    let timer = null;
    const next = () => {
      if (res.destroyed) return;
      if (i < CHUNKS) {
        res.write(chunkLine(i++, false));
        timer = setTimeout(next, GAP_MS);
        return;
      }
      res.write(chunkLine(i, true));
      if (body.stream_options?.include_usage) res.write(usageLine);
      res.end("data: [DONE]\n\n");
    };
    res.on("close", () => clearTimeout(timer));
    next();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
