// `npm run bench -- soak`: a steady load through the full metered path, watching memory.
//
// Same set-up as the gateway benchmark (bench upstream, `next start` from .next-bench on a
// scratch PostgreSQL database and the real Redis). For BENCH_SOAK_SECONDS (default 600 =
// 10 minutes) it sends BENCH_SOAK_RATE requests/s (default 50) to /v1/chat/completions,
// a fifth of them streamed, and samples the server's RSS every 10 s. Reports RSS at start
// and end, the samples, the error count (non-2xx, socket errors, timeouts), and checks the
// money afterwards: every request settled (no open reservation), one usage event per
// answered request, balance = Σ ledger. Writes its section of docs/benchmarks.md.
//
//   npm run bench -- soak                            # the full 10 minutes
//   BENCH_SOAK_SECONDS=120 npm run bench -- soak     # a 2-minute run
import os from "node:os";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { auditAccount } from "@/lib/ledger";
import { writeDocSection } from "./lib/doc-section";
import { appEnv, buildApp, CHAT_MODEL, machine, pgVersion, rssBytes, setupDb, startApp, startUpstream } from "./lib/gateway-env";
import { load } from "./lib/load";

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 50);
const SAMPLE_MS = 10_000;
const log = (m: string) => console.log(`[bench:soak] ${m}`);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);

export default async function soak(): Promise<void> {
  const loadAtStart = os.loadavg();
  buildApp(log);
  const { t, accountId, secrets } = await setupDb(1);
  const upstream = await startUpstream();
  const app = await startApp(appEnv(t.url!, upstream.url));
  try {
    const headers = { authorization: `Bearer ${secrets[0]}` };
    const url = `${app.url}/v1/chat/completions`;
    const msg = { model: CHAT_MODEL, messages: [{ role: "user", content: "Say something short." }], max_tokens: 64 };
    const plain = { url, headers, body: JSON.stringify(msg) };
    const streamed = { url, headers, body: JSON.stringify({ ...msg, stream: true, stream_options: { include_usage: true } }) };

    log("warm-up (15 s)");
    await Promise.all([
      load(plain, { connections: 4, seconds: 15, overallRate: RATE }),
      load(streamed, { connections: 2, seconds: 15, overallRate: Math.max(1, RATE / 5) }),
    ]);
    await new Promise((r) => setTimeout(r, 2000));
    const [{ n: eventsBefore }] = await rows<{ n: string }>(t.db, sql`select count(*)::text as n from usage_events`);

    const samples: { s: number; rss: number }[] = [{ s: 0, rss: rssBytes(app.pid) }];
    log(
      `soak: ${SECONDS} s at ${RATE} requests/s (${(RATE * 0.8).toFixed(0)} plain + ${(RATE * 0.2).toFixed(0)} streamed); RSS at start ${mib(samples[0].rss)} MiB`,
    );
    const t0 = performance.now();
    const timer = setInterval(() => {
      const s = Math.round((performance.now() - t0) / 1000);
      samples.push({ s, rss: rssBytes(app.pid) });
      log(`${s} s: RSS ${mib(samples.at(-1)!.rss)} MiB`);
    }, SAMPLE_MS);
    const [p, st] = await Promise.all([
      load(plain, { connections: 8, seconds: SECONDS, overallRate: RATE * 0.8 }),
      load(streamed, { connections: 4, seconds: SECONDS, overallRate: RATE * 0.2 }),
    ]);
    clearInterval(timer);
    samples.push({ s: SECONDS, rss: rssBytes(app.pid) });

    // Let the last settles land: requests cut off when the load stopped still settle (or
    // are released) on the server, within moments.
    let events = "0";
    let open = "0";
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 500));
      [{ events, open }] = await rows<{ events: string; open: string }>(
        t.db,
        sql`select (select count(*) from usage_events)::text as events, (select count(*) from reservations)::text as open`,
      );
      if (open === "0") break;
    }
    const audit = await auditAccount(t.db, accountId);
    if (open !== "0") {
      const left = await rows<{ request_id: string; age: string }>(t.db, sql`select request_id, (now() - created_at)::text as age from reservations`);
      log(`reservations still open 15 s after the load: ${left.map((r) => `${r.request_id} (${r.age})`).join(", ")}`);
    }
    const answered = p.ok + st.ok;
    const errors = p.failed + st.failed;
    const newEvents = Number(events) - Number(eventsBefore);
    // Requests in flight when the load generator stopped (at most one per connection) were
    // cut off client-side but still settled or released: they have events too.
    const eventsOk = newEvents >= answered && newEvents <= answered + 12;
    const start = samples[0].rss;
    const end = samples.at(-1)!.rss;
    const half = samples.slice(Math.floor(samples.length / 2));
    const maxLate = Math.max(...half.map((x) => x.rss));
    const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * f)];

    const body = [
      `Command: \`${SECONDS === 600 ? "" : `BENCH_SOAK_SECONDS=${SECONDS} `}${RATE === 50 ? "" : `BENCH_SOAK_RATE=${RATE} `}npm run bench -- soak\` (the full run is \`npm run bench -- soak\`: 10 minutes at 50 requests/s)  `,
      `Machine: ${machine()}; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(" / ")}, at end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" / ")}  `,
      `Stack: \`next start\` (.next-bench), ${await pgVersion(t)}, Redis; the bench upstream (20 paced chunks for streams).  `,
      `Measured: ${new Date().toISOString().slice(0, 16)} UTC, after a 15 s warm-up.`,
      "",
      `| duration | rate | answered (plain + streamed) | errors | p50 / p99 ms (plain) | RSS start | RSS end | RSS max, second half | usage events (answered + cut off at the end) | open reservations after | ledger |`,
      "|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|:---:|",
      `| ${SECONDS} s | ${RATE}/s | ${answered} (${p.ok} + ${st.ok}) | ${errors} | ${p.p50.toFixed(1)} / ${p.p99.toFixed(1)} | ${mib(start)} MiB | ${mib(end)} MiB | ${mib(maxLate)} MiB | ${newEvents}${eventsOk ? "" : " **unexpected**"} | ${open} | ${audit.ok ? "balances" : "**BROKEN**"} |`,
      "",
      `RSS every ${SAMPLE_MS / 1000} s (MiB): ${samples.map((x) => mib(x.rss)).join(", ")}  `,
      `Quartiles of the samples: ${mib(
        q(
          samples.map((x) => x.rss),
          0.25,
        ),
      )} / ${mib(
        q(
          samples.map((x) => x.rss),
          0.5,
        ),
      )} / ${mib(
        q(
          samples.map((x) => x.rss),
          0.75,
        ),
      )} MiB.`,
    ].join("\n");
    console.log("\n" + body + "\n");
    if (process.env.BENCH_NO_DOC !== "1") writeDocSection("soak", "## Soak: steady load through the metered path", body);
    if (!audit.ok || errors > 0 || Number(open) > 0) process.exitCode = 1;
  } finally {
    await app.stop();
    await upstream.stop();
    await t.drop();
  }
}
