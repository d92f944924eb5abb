import http from "node:http";
import { createRequire } from "node:module";

// Load generation for the gateway benchmark and the soak: autocannon for throughput and
// latency (latencies taken from its per-response event, in fractional ms: its own
// histogram rounds to whole milliseconds, too coarse for a 1 ms target), and a small
// streaming client for time to first chunk and chunk pacing.

type AutocannonResult = { requests: { total: number }; duration: number; errors: number; timeouts: number; non2xx: number; "2xx": number };
type AutocannonInstance = { on(ev: "response", f: (client: unknown, status: number, bytes: number, ms: number) => void): void; stop(): void };
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, r: AutocannonResult) => void) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export type Target = { url: string; headers: Record<string, string>; body: string };

export type LoadResult = { rps: number; ok: number; failed: number; p50: number; p99: number; latencies: number[] };

export function load(target: Target, opts: { connections: number; seconds: number; overallRate?: number }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const started = performance.now();
    const inst = autocannon(
      {
        url: target.url,
        method: "POST",
        headers: { "content-type": "application/json", ...target.headers },
        body: target.body,
        connections: opts.connections,
        duration: opts.seconds,
        ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
        timeout: 30,
      },
      (err, r) => {
        if (err) return reject(err);
        const elapsed = (performance.now() - started) / 1000;
        latencies.sort((a, b) => a - b);
        resolve({
          rps: latencies.length / Math.min(elapsed, opts.seconds),
          ok: latencies.length,
          failed: r.non2xx + r.errors + r.timeouts,
          p50: latencies[Math.floor(latencies.length * 0.5)] ?? NaN,
          p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
          latencies,
        });
      },
    );
    inst.on("response", (_c, status, _b, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

export type StreamSample = {
  /** ms from sending the request to the first `data:` line. */
  ttfc: number;
  /** ms from sending the request to the end of the response. */
  total: number;
  /** Socket reads that carried at least one content chunk (unbuffered: one per upstream chunk). */
  contentReads: number;
  /** Most content chunks that arrived in one read. */
  maxChunksPerRead: number;
  /** Content chunks received. */
  chunks: number;
  status: number;
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One streamed request; the clock starts just before the request is written. */
export function streamOnce(target: Target): Promise<StreamSample> {
  return new Promise((resolve, reject) => {
    const u = new URL(target.url);
    const t0 = performance.now();
    let ttfc = NaN;
    let contentReads = 0;
    let maxChunksPerRead = 0;
    let chunks = 0;
    let tail = "";
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: "POST", agent, headers: { "content-type": "application/json", ...target.headers } },
      (res) => {
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          const now = performance.now();
          const text = tail + d;
          const cut = text.lastIndexOf("\n\n");
          tail = cut >= 0 ? text.slice(cut + 2) : text;
          if (cut < 0) return;
          let n = 0;
          for (const ev of text.slice(0, cut).split("\n\n")) {
            if (!ev.startsWith("data:")) continue;
            if (Number.isNaN(ttfc)) ttfc = now - t0;
            if (ev.includes('"content"')) n++;
          }
          if (n) {
            contentReads++;
            chunks += n;
            maxChunksPerRead = Math.max(maxChunksPerRead, n);
          }
        });
        res.on("end", () => resolve({ ttfc, total: performance.now() - t0, contentReads, maxChunksPerRead, chunks, status: res.statusCode ?? 0 }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(target.body);
  });
}
