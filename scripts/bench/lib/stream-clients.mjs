// The load generator of `npm run bench -- streams`, in its own process so its CPU is not
// the app's: opens N streamed chat completions (one connection each) spread over RAMP_MS,
// reads each to its end, and reports per stream: status, time to the first content chunk,
// content chunks, the cost the final usage chunk reported, the x-request-id. Plain Node.
//   node stream-clients.mjs <url> <api key> <N> <ramp ms> <body json> <out file>
// stdout: "open <n>" as streams get their headers, "all-open" once every stream has answered
// (or failed), "first-done" when the first stream ends, "done" at the end; the results are
// written to <out file> as JSON.
import fs from "node:fs";
import http from "node:http";

const [url, key, nArg, rampArg, body, outFile] = process.argv.slice(2);
const N = Number(nArg);
const RAMP_MS = Number(rampArg);
const target = new URL(url);
const COST_RE = /"cost_micro_usd":(\d+)/;

const results = [];
let answered = 0;
let finished = 0;
let firstDone = false;

function one(i) {
  return new Promise((resolve) => {
    const r = { status: 0, requestId: null, ttfcMs: null, chunks: 0, costMicroUsd: null, error: null };
    results[i] = r;
    const t0 = performance.now();
    let tail = "";
    let headersSeen = false;
    const done = (err) => {
      if (err && !r.error) r.error = String(err.code ?? err.message ?? err);
      if (!headersSeen) {
        headersSeen = true;
        if (++answered === N) console.log("all-open");
      }
      if (++finished === 1 && !firstDone) {
        firstDone = true;
        console.log("first-done");
      }
      resolve();
    };
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        agent: false,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        r.status = res.statusCode;
        r.requestId = res.headers["x-request-id"] ?? null;
        headersSeen = true;
        if (++answered % 500 === 0) console.log(`open ${answered}`);
        if (answered === N) console.log("all-open");
        res.setEncoding("utf8");
        res.on("data", (s) => {
          // Content chunks: count the `"content":` deltas; the usage chunk carries the cost.
          const text = tail + s;
          let idx = -1;
          while ((idx = s.indexOf('"content":', idx + 1)) !== -1) {
            if (r.ttfcMs === null) r.ttfcMs = performance.now() - t0;
            r.chunks++;
          }
          const m = COST_RE.exec(text);
          if (m) r.costMicroUsd = m[1];
          if (text.includes('"error":')) r.error = r.error ?? `error event: ${text.slice(text.indexOf('"error":'), text.indexOf('"error":') + 200)}`;
          tail = text.slice(-64);
        });
        res.on("end", () => done(res.statusCode === 200 ? null : `HTTP ${res.statusCode}: ${tail}`));
        res.on("error", done);
      },
    );
    req.on("error", done);
    req.setTimeout(120_000, () => req.destroy(new Error("client timeout (120 s)")));
    req.end(body);
  });
}

const started = performance.now();
const all = [];
for (let i = 0; i < N; i++) {
  const due = started + (RAMP_MS * i) / N;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  all.push(one(i));
}
await Promise.all(all);
fs.writeFileSync(outFile, JSON.stringify({ n: N, seconds: (performance.now() - started) / 1000, results }));
console.log("done");
