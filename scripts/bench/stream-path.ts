// `npm run bench -- stream-path`: CPU per chunk of the upstream stream path alone, in this
// process, without Next.js: the slow upstream (scripts/bench/lib/slow-upstream.mjs, its own
// process) → the upstream client's SSE reader → the text provider's events → the metered
// stream's ReadableStream → a reader. The meter is a stub (no database), and every stream
// runs inside an AsyncLocalStorage context, as route handlers do under Next.js (on Node 20
// every promise then pays the context's hooks). Prints one JSON line per round; nothing is
// written to docs/benchmarks.md. For an A/B of a change to that path, run it before and
// after, alternating, on the same machine; for a profile, run
//   node --cpu-prof --import tsx scripts/bench.ts stream-path
// Env: BENCH_STREAMS (300 concurrent streams), BENCH_CHUNKS (200 per stream),
// BENCH_STREAM_GAP_MS (10 ms between chunks), BENCH_ROUNDS (3).
import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { loadCatalog, type TextModel } from "@/lib/catalog";
import type { Meter } from "@/lib/metering/meter";
import { meteredStreamResponse } from "@/lib/providers/text/metered-stream";
import { upstreamTextProvider } from "@/lib/providers/text/upstream";
import { CHAT_MODEL, UPSTREAM_MODELS } from "./lib/gateway-env";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 300);
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 200);
const GAP_MS = Number(process.env.BENCH_STREAM_GAP_MS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

export default async function streamPath(): Promise<void> {
  const child = spawn(process.execPath, [path.resolve(import.meta.dirname, "lib/slow-upstream.mjs")], {
    env: { ...process.env, BENCH_UPSTREAM_CHUNKS: String(CHUNKS), BENCH_UPSTREAM_GAP_MS: String(GAP_MS) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<number>((resolve) =>
      child.stdout!.on("data", (d) => {
        const m = /listening (\d+)/.exec(String(d));
        if (m) resolve(Number(m[1]));
      }),
    );
    const catalog = loadCatalog({ UPSTREAM_BASE_URL: `http://127.0.0.1:${port}/v1`, UPSTREAM_API_KEY: "bench", UPSTREAM_MODELS });
    const model = catalog.get(CHAT_MODEL) as TextModel;
    const provider = upstreamTextProvider(catalog);
    const als = new AsyncLocalStorage<{ i: number }>();

    /** One stream read to its end; returns the content chunks it delivered. */
    async function one(i: number): Promise<number> {
      const meter = { requestId: `req_${i}`, detached: false, settle: async () => ({ chargedMicroUsd: 1n }) } as unknown as Meter;
      const ac = new AbortController();
      const events = await provider.stream({
        kind: "chat",
        model,
        body: { model: CHAT_MODEL, messages: [{ role: "user", content: "hi" }], stream: true },
        maxTokens: CHUNKS + 10,
        inputTokens: 1,
        responseId: `chatcmpl-${i}`,
        created: 1,
        signal: ac.signal,
        trace: { provider: null, attempts: 0 },
      });
      const res = meteredStreamResponse({
        events,
        meter,
        inputTokens: 1,
        includeUsage: true,
        abort: (reason) => ac.abort(reason),
        usageChunk: () => ({ id: "x", object: "chat.completion.chunk", created: 1, model: model.id, choices: [] }),
      });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        text += decoder.decode(r.value, { stream: true });
      }
      if (!text.endsWith("data: [DONE]\n\n")) throw new Error(`stream ${i} did not finish: …${text.slice(-200)}`);
      return text.split('"content"').length - 1;
    }

    await Promise.all(Array.from({ length: 20 }, (_, i) => als.run({ i }, () => one(i)))); // warm-up
    for (let round = 1; round <= ROUNDS; round++) {
      const cpu = process.cpuUsage();
      const t0 = Date.now();
      const delivered = (await Promise.all(Array.from({ length: STREAMS }, (_, i) => als.run({ i }, () => one(round * 100_000 + i))))).reduce(
        (a, b) => a + b,
        0,
      );
      const used = process.cpuUsage(cpu);
      console.log(
        JSON.stringify({
          round,
          streams: STREAMS,
          chunks: delivered,
          seconds: (Date.now() - t0) / 1000,
          cpuUsPerChunk: Number(((used.user + used.system) / delivered).toFixed(2)),
          loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
        }),
      );
    }
  } finally {
    child.kill("SIGTERM");
  }
}
