// `npm run bench -- usage [--events N] [--accounts N] [--busy N] [--runs N] [--keep]`
//
// Seeds a scratch PostgreSQL database (created here, dropped at the end) with usage events
// spread over 120 days and many accounts, one of them busy (default: 10,000,000 events,
// 10,000 accounts, 1,000,000 of them the busy account's), then times the usage page's own
// query functions (lib/usage) for the busy account over 30 and 90 days: median of several
// runs, EXPLAIN (ANALYZE, BUFFERS) for the slowest, the previous events-only summary as the
// same-run baseline, the CSV export of the busy account's whole history with its RSS
// sampled, and a section in docs/benchmarks.md.
import { execSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import * as schema from "@/db/schema";
import type { Db } from "@/db/client";
import { migrate } from "@/db/migrate";
import type { DbHandle } from "@/db/client";
import { randomBase62 } from "@/lib/ids";
import {
  type LogCursor,
  listRequests,
  overviewStats,
  parseUsageFilters,
  usageSummary,
  usageCsvStream,
  hasAnyUsage,
  usageBreakdown,
  type UsageFilters,
} from "@/lib/usage";

type Opts = { events: number; accounts: number; busy: number; runs: number; keep: boolean };

function parseArgs(args: string[]): Opts {
  const o: Opts = { events: 10_000_000, accounts: 10_000, busy: 1_000_000, runs: 7, keep: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--keep") o.keep = true;
    else if (a.startsWith("--") && a.slice(2) in o) (o as Record<string, unknown>)[a.slice(2)] = Number(args[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BUSY = "acct_bench_1";

const CHUNK = 1_000_000;

/**
 * Bulk load as a restore would do it: the secondary indexes, the foreign-key checks and the
 * rollup triggers are off while the rows go in (session_replication_role = replica skips
 * both kinds of trigger), then the indexes are built once and the rollup is filled by the
 * migration's own backfill statement. Returns the phase timings.
 */
async function seed(sql: postgres.Sql, o: Opts) {
  const others = o.accounts - 1;
  const every = Math.max(1, Math.round(o.events / o.busy)); // one event in `every` is the busy account's
  await sql.unsafe(`
    insert into users (id, email, password_hash)
    select 'usr_bench_' || i, 'bench' || i || '@bench.test', 'x' from generate_series(1, ${o.accounts}) i;
    insert into billing_accounts (id, owner_user_id, tier, balance_micro_usd)
    select 'acct_bench_' || i, 'usr_bench_' || i, 'paid', 1000000000000 from generate_series(1, ${o.accounts}) i;
    insert into api_keys (id, account_id, created_by_user_id, name, start, hash)
    select 'key_bench_' || i || '_' || k, 'acct_bench_' || i, 'usr_bench_' || i, 'key ' || k, 'sk-mt-bnch', md5(i || ':' || k)
      from generate_series(1, ${o.accounts}) i, generate_series(0, 2) k;`);
  const indexes = await sql<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
     where tablename = 'usage_events' and indexname not like '%_pkey'`;
  const t = { insert: 0, index: 0, backfill: 0 };
  let t0 = performance.now();
  await sql.begin(async (tx) => {
    await tx.unsafe(`set local session_replication_role = replica`);
    await tx.unsafe(`set local synchronous_commit = off`);
    await tx.unsafe(`alter table usage_events drop constraint if exists usage_events_request_id_unique`);
    for (const ix of indexes.filter((i) => i.name !== "usage_events_request_id_unique")) await tx.unsafe(`drop index ${ix.name}`);
    // In time order, with no sort: event g of N happens at (g / N) of the 120 days, so one
    // account's rows are interleaved with everyone else's on the heap, as in production.
    // Units derive from the series number, costs from the local models' prices (ceil per
    // request, as the meter does).
    for (let from = 1; from <= o.events; from += CHUNK) {
      const to = Math.min(o.events, from + CHUNK - 1);
      await tx.unsafe(`
        insert into usage_events (request_id, account_id, key_id, model, modality, input_tokens, output_tokens, images,
                                  video_seconds, characters, audio_ms, cost_micro_usd, status, http_status, latency_ms, aborted, created_at)
        select 'req_bench_' || g, 'acct_bench_' || a, 'key_bench_' || a || '_' || (g % 3), model, modality,
               inp, outp, imgs, secs, chars, ms,
               case modality
                 when 'chat' then (inp * 100000 + outp * 400000 + 999999) / 1000000
                 when 'completion' then (inp * 100000 + outp * 400000 + 999999) / 1000000
                 when 'image' then imgs * 20000
                 when 'video' then secs * 50000
                 when 'tts' then chars * 15
                 else (ms * 6000 + 59999) / 60000 end * (case when g % 50 = 0 then 0 else 1 end),
               case when g % 50 = 0 then 'error' when g % 97 = 0 then 'aborted' else 'ok' end,
               case when g % 50 = 0 then 502 else 200 end,
               20 + (g * 37) % 4000, g % 97 = 0, t
          from (
            select g,
                   case when g % ${every} = 0 then 1 else 2 + (g * 7) % ${others} end as a,
                   (array['local/echo-chat','local/lorem-chat','local/echo-completion','local/image-sim','local/video-sim','local/tts-sim','local/stt-sim'])[1 + g % 7] as model,
                   (array['chat','chat','completion','image','video','tts','stt'])[1 + g % 7] as modality,
                   now() - interval '120 days' + (g::float8 / ${o.events}) * interval '120 days' as t
              from generate_series(${from}::bigint, ${to}) g
          ) s,
          lateral (select
                   case when s.modality in ('chat','completion') then 50 + (g * 7919) % 2000 else 0 end as inp,
                   case when s.modality in ('chat','completion') then 10 + (g * 104729) % 1000 else 0 end as outp,
                   case when s.modality = 'image' then 1 + g % 4 else 0 end as imgs,
                   case when s.modality = 'video' then 1 + g % 8 else 0 end as secs,
                   case when s.modality = 'tts' then 20 + g % 2000 else 0 end as chars,
                   case when s.modality = 'stt' then 1000 + (g * 31) % 600000 else 0 end as ms) u`);
      console.log(`  inserted ${to.toLocaleString("en-US")} events (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  });
  t.insert = performance.now() - t0;
  t0 = performance.now();
  await sql.unsafe(`set maintenance_work_mem = '512MB'`);
  await sql.unsafe(`alter table usage_events add constraint usage_events_request_id_unique unique (request_id)`);
  for (const ix of indexes.filter((i) => i.name !== "usage_events_request_id_unique")) await sql.unsafe(ix.def);
  t.index = performance.now() - t0;
  console.log(`  indexes built (${(t.index / 1000).toFixed(0)} s)`);
  // The rollup, filled exactly as the migration fills it for events that predate it.
  const migration = fs.readFileSync(path.join(process.cwd(), "db/migrations/0010_usage-daily.sql"), "utf8");
  const backfill = migration.split("--> statement-breakpoint").at(-1)!;
  if (!/INSERT INTO usage_daily/.test(backfill)) throw new Error("the rollup migration's last statement is not its backfill");
  t0 = performance.now();
  await sql.unsafe(`set work_mem = '256MB'`);
  await sql.unsafe(backfill);
  await sql.unsafe(`reset work_mem`);
  t.backfill = performance.now() - t0;
  console.log(`  rollup backfilled (${(t.backfill / 1000).toFixed(0)} s)`);
  return t;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Case = { name: string; range: "24h" | "30d" | "90d" | "366d" | "-"; run: (db: Db) => Promise<unknown> };

const deepCursor: Record<string, LogCursor | null | undefined> = {};

function cases(): Case[] {
  const out: Case[] = [];
  for (const range of ["30d", "90d"] as const) {
    const f = parseUsageFilters({ range });
    out.push(
      { name: "charts + totals (usageSummary)", range, run: (db) => usageSummary({ db, accountId: BUSY, filters: f }) },
      { name: "charts + totals, one key", range, run: (db) => usageSummary({ db, accountId: BUSY, filters: { ...f, keyId: "key_bench_1_1" } }) },
      { name: "charts + totals, one model", range, run: (db) => usageSummary({ db, accountId: BUSY, filters: { ...f, model: "local/lorem-chat" } }) },
      { name: "charts + totals, one modality", range, run: (db) => usageSummary({ db, accountId: BUSY, filters: { ...f, modality: "image" } }) },
      { name: "breakdown by key", range, run: (db) => usageBreakdown({ db, accountId: BUSY, filters: f, by: "key" }) },
      { name: "breakdown by modality", range, run: (db) => usageBreakdown({ db, accountId: BUSY, filters: f, by: "modality" }) },
      { name: "request log, first page (50)", range, run: (db) => listRequests({ db, accountId: BUSY, filters: f, limit: 50 }) },
      {
        // One "Older →" click deep into the log: the cursor of page 20 is found once,
        // outside the timing; only the keyset query that serves the page is timed.
        name: "request log, page 20 (keyset)",
        range,
        run: async (db) => {
          if (deepCursor[range] === undefined) {
            let page = await listRequests({ db, accountId: BUSY, filters: f, limit: 50 });
            for (let i = 1; i < 19 && page.next; i++) page = await listRequests({ db, accountId: BUSY, filters: f, cursor: page.next, limit: 50 });
            deepCursor[range] = page.next;
          }
          return listRequests({ db, accountId: BUSY, filters: f, cursor: deepCursor[range], limit: 50 });
        },
      },
      {
        name: "request log, one key, first page",
        range,
        run: (db) => listRequests({ db, accountId: BUSY, filters: { ...f, keyId: "key_bench_1_2" }, limit: 50 }),
      },
    );
  }
  const year = parseUsageFilters({ range: "custom", from: new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10) });
  const day = parseUsageFilters({ range: "24h" });
  out.push(
    { name: "charts + totals (usageSummary)", range: "366d", run: (db) => usageSummary({ db, accountId: BUSY, filters: year }) },
    { name: "charts + totals, hourly (events only)", range: "24h", run: (db) => usageSummary({ db, accountId: BUSY, filters: day }) },
    { name: "overview (today, month, 7 days, series)", range: "-", run: (db) => overviewStats({ db, accountId: BUSY }) },
    { name: "has any usage (empty-state check)", range: "-", run: (db) => hasAnyUsage({ db, accountId: BUSY }) },
  );
  return out;
}

/** The SQL statements a case runs (lib/usage goes through db/rows.ts, i.e. the client's `unsafe`), for EXPLAIN. */
function capturingDb(client: postgres.Sql) {
  const captured: { query: string; params: unknown[] }[] = [];
  const recording = new Proxy(client, {
    get(target, prop) {
      if (prop === "unsafe") {
        return (query: string, params?: unknown[], opts?: object) => {
          captured.push({ query, params: params ?? [] });
          return target.unsafe(query, params as never[], opts as never);
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const db = drizzle(recording, { schema }) as unknown as Db;
  return { db, captured };
}

async function timeCases(db: Db, runs: number) {
  const results: { c: Case; ms: number[] }[] = [];
  for (const c of cases()) {
    await c.run(db); // warm-up: plan cache, buffers
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await c.run(db);
      ms.push(performance.now() - t0);
    }
    results.push({ c, ms });
  }
  return results;
}

async function explain(client: postgres.Sql, c: Case): Promise<string> {
  const { db, captured } = capturingDb(client);
  await c.run(db);
  // Every statement the case ran, explained; the plan with the longest execution is kept.
  // Replayed in one transaction so a `set local` the case issues applies to the plans.
  let worst = { ms: -1, text: "" };
  await client.begin(async (tx) => {
    for (const stmt of captured) {
      if (/^\s*(set|begin|commit|savepoint|release)\b/i.test(stmt.query)) {
        await tx.unsafe(stmt.query, stmt.params as never[]);
        continue;
      }
      const plan = await tx.unsafe(`explain (analyze, buffers) ${stmt.query}`, stmt.params as never[]);
      const text = plan.map((r) => (r as Record<string, string>)["QUERY PLAN"]).join("\n");
      const ms = Number(/Execution Time: ([\d.]+)/.exec(text)?.[1] ?? 0);
      if (ms > worst.ms) worst = { ms, text };
    }
  });
  return worst.text;
}

/**
 * The baseline, in the same run: the summary as it was computed before the rollup, from the
 * events alone on the covering index (the query lib/usage/queries.ts ran until migration 10,
 * with its `work_mem` for an in-memory hash aggregate).
 */
async function eventsOnlyBaseline(client: postgres.Sql, runs: number) {
  const out: Record<string, number> = {};
  for (const days of [30, 90]) {
    const f = parseUsageFilters({ range: `${days}d` });
    const q = `select date_trunc('day', e.created_at at time zone 'UTC') as b, e.model, e.modality,
                      count(*)::text, sum(e.cost_micro_usd)::text, sum(e.input_tokens)::text, sum(e.output_tokens)::text,
                      sum(e.images)::text, sum(e.video_seconds)::text, sum(e.characters)::text, sum(e.audio_ms)::text
                 from usage_events e
                where e.account_id = $1 and e.created_at >= $2::timestamptz and e.created_at < $3::timestamptz
                group by grouping sets ((1, 2, 3), ())`;
    const args = [BUSY, f.from.toISOString(), f.to.toISOString()];
    const once = () =>
      client.begin(async (tx) => {
        await tx.unsafe(`set local work_mem = '32MB'`);
        await tx.unsafe(q, args);
      });
    await once();
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await once();
      ms.push(performance.now() - t0);
    }
    out[`${days}d`] = median(ms);
  }
  return out as { "30d": number; "90d": number };
}

/**
 * The CSV export of the busy account's whole history (the usage page's export link with a
 * custom range), read to the end by a consumer that keeps nothing, with the process's RSS
 * sampled every 100 ms: memory must stay flat however many rows go through.
 */
async function exportWholeHistory(db: Db) {
  const filters: UsageFilters = parseUsageFilters({ range: "custom", from: new Date(Date.now() - 121 * 86_400_000).toISOString().slice(0, 10) });
  globalThis.gc?.();
  const rss: number[] = [process.memoryUsage().rss];
  const timer = setInterval(() => rss.push(process.memoryUsage().rss), 100);
  const t0 = performance.now();
  let bytes = 0;
  let newlines = 0;
  const reader = usageCsvStream({ db, accountId: BUSY, filters }).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (let i = 0; i < value.length; i++) if (value[i] === 10) newlines++;
  }
  const ms = performance.now() - t0;
  clearInterval(timer);
  rss.push(process.memoryUsage().rss);
  const mib = (b: number) => b / 2 ** 20;
  const firstTenth = rss.slice(0, Math.max(2, Math.ceil(rss.length / 10)));
  return {
    rows: newlines - 1,
    ms,
    bytes,
    rssStartMiB: mib(rss[0]),
    rssAfterFirstTenthMiB: mib(Math.max(...firstTenth)),
    rssMaxMiB: mib(Math.max(...rss)),
    rssEndMiB: mib(rss.at(-1)!),
    samples: rss.length,
  };
}

function fmtTable(rows: { name: string; range: string; before?: number; median: number; p: number; max: number }[], withBefore: boolean) {
  const head = withBefore
    ? "| query | range | median, fresh (ms) | median (ms) | min–max (ms) | under 100 ms |\n|---|---|---:|---:|---:|:---:|"
    : "| query | range | median (ms) | min–max (ms) | under 100 ms |\n|---|---|---:|---:|:---:|";
  return [
    head,
    ...rows.map((r) =>
      withBefore
        ? `| ${r.name} | ${r.range} | ${r.before!.toFixed(1)} | ${r.median.toFixed(1)} | ${r.p.toFixed(1)}–${r.max.toFixed(1)} | ${r.median < 100 ? "yes" : "**no**"} |`
        : `| ${r.name} | ${r.range} | ${r.median.toFixed(1)} | ${r.p.toFixed(1)}–${r.max.toFixed(1)} | ${r.median < 100 ? "yes" : "**no**"} |`,
    ),
  ].join("\n");
}

function machine(pgVersion: string, load: number[]) {
  const mem = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  let nproc = String(os.availableParallelism?.() ?? os.cpus().length);
  try {
    nproc = execSync("nproc").toString().trim();
  } catch {}
  return `- CPU: ${os.cpus()[0]?.model ?? "unknown"}, \`nproc\` = ${nproc}\n- Memory: ${mem}\n- ${pgVersion.split(",")[0]} (default configuration, local socket over TCP 127.0.0.1)\n- Load average when the run ended: ${load.map((l) => l.toFixed(2)).join(", ")} (other work shares this machine; medians over several runs damp, not remove, its noise)\n- Node ${process.version}, postgres.js through Drizzle, the same lib/usage functions the pages call`;
}

function writeDoc(section: string) {
  const file = path.join(process.cwd(), "docs", "benchmarks.md");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const start = "<!-- bench:usage:start -->";
  const end = "<!-- bench:usage:end -->";
  const block = `${start}\n${section.trim()}\n${end}`;
  let doc = fs.existsSync(file)
    ? fs.readFileSync(file, "utf8")
    : "# Benchmarks\n\nEach section is written by `npm run bench -- <name>`; re-running a benchmark replaces its own section.\n";
  if (doc.includes(start) && doc.includes(end)) doc = doc.slice(0, doc.indexOf(start)) + block + doc.slice(doc.indexOf(end) + end.length);
  else doc = doc.trimEnd() + "\n\n" + block + "\n";
  fs.writeFileSync(file, doc);
  return file;
}

export default async function benchUsage(args: string[]) {
  const o = parseArgs(args);
  const name = `bench_usage_${randomBase62(8).toLowerCase()}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const [{ version }] = await admin`select version()`;
  await admin.unsafe(`create database ${name}`);
  const url = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  console.log(`scratch database ${name}`);
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const loadStart = os.loadavg();
  const started = new Date();
  try {
    await migrate({ kind: "postgres" } as DbHandle, url);
    let t0 = performance.now();
    const phases = await seed(client, o);
    const seedMs = performance.now() - t0;
    t0 = performance.now();
    await client.unsafe("analyze");
    const analyzeMs = performance.now() - t0;
    const [{ busy_rows, n90, n30, size, rollup_rows, busy_rollup_rows, rollup_size }] = await client.unsafe(`
      select count(*) filter (where account_id = '${BUSY}') as busy_rows,
             count(*) filter (where account_id = '${BUSY}' and created_at >= now() - interval '90 days') as n90,
             count(*) filter (where account_id = '${BUSY}' and created_at >= now() - interval '30 days') as n30,
             pg_size_pretty(pg_total_relation_size('usage_events')) as size,
             (select count(*) from usage_daily) as rollup_rows,
             (select count(*) from usage_daily where account_id = '${BUSY}') as busy_rollup_rows,
             pg_size_pretty(pg_total_relation_size('usage_daily')) as rollup_size
        from usage_events`);
    // The rollup must equal the events it was built from, to the micro-USD.
    const [check] = await client.unsafe(`
      select (select sum(cost_micro_usd) from usage_events)::text as events, (select sum(cost_micro_usd) from usage_daily)::text as rollup,
             (select count(*) from usage_events)::text as n_events, (select sum(requests) from usage_daily)::text as n_rollup`);
    if (check.events !== check.rollup || check.n_events !== check.n_rollup) throw new Error(`rollup disagrees with the events: ${JSON.stringify(check)}`);
    const fmt = (n: unknown) => Number(n).toLocaleString("en-US");
    console.log(
      `seeded ${fmt(o.events)} events / ${o.accounts} accounts in ${(seedMs / 1000).toFixed(1)} s (ANALYZE ${(analyzeMs / 1000).toFixed(1)} s); busy account: ${busy_rows} events (${n30} in 30 days, ${n90} in 90); usage_events with indexes: ${size}; usage_daily: ${rollup_rows} rows (${busy_rollup_rows} the busy account's), ${rollup_size}`,
    );

    const db = drizzle(client, { schema }) as unknown as Db;
    // Fresh: right after the bulk load and ANALYZE, before any VACUUM (empty visibility map).
    // Steady state: after VACUUM, which autovacuum does on its own for insert-mostly tables.
    const fresh = await timeCases(db, o.runs);
    t0 = performance.now();
    await client.unsafe("vacuum (analyze) usage_events");
    await client.unsafe("vacuum (analyze) usage_daily");
    const vacuumMs = performance.now() - t0;
    const steady = await timeCases(db, o.runs);
    const baseline = await eventsOnlyBaseline(client, o.runs);

    const table = steady.map((r, i) => ({
      name: r.c.name,
      range: r.c.range,
      before: median(fresh[i].ms),
      median: median(r.ms),
      p: Math.min(...r.ms),
      max: Math.max(...r.ms),
    }));
    const slowest = steady.reduce((a, b) => (median(b.ms) > median(a.ms) ? b : a));
    const freshSlowest = fresh.reduce((a, b) => (median(b.ms) > median(a.ms) ? b : a));
    const plan = await explain(client, slowest.c);
    const summaryMs = (range: string) => table.find((r) => r.name === "charts + totals (usageSummary)" && r.range === range)!.median;
    const exp = await exportWholeHistory(db);
    const loadEnd = os.loadavg();

    const md = fmtTable(table, true);
    console.log("\n" + md + "\n");
    console.log(`slowest after VACUUM: ${slowest.c.name} (${slowest.c.range}), EXPLAIN (ANALYZE, BUFFERS):\n${plan}\n`);
    console.log(`baseline (events only, previous query): 30d ${baseline["30d"].toFixed(1)} ms, 90d ${baseline["90d"].toFixed(1)} ms`);
    console.log(
      `CSV export, whole history of the busy account: ${exp.rows} rows, ${(exp.bytes / 2 ** 20).toFixed(0)} MiB in ${(exp.ms / 1000).toFixed(1)} s; RSS ${exp.rssStartMiB.toFixed(0)} → max ${exp.rssMaxMiB.toFixed(0)} → ${exp.rssEndMiB.toFixed(0)} MiB`,
    );

    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
    const section = `## Usage analytics (\`npm run bench -- usage\`)

Command: \`npm run bench -- usage${args.length ? " " + args.join(" ") : ""}\`  
Measured: ${started.toISOString().slice(0, 16)} UTC; load average (1/5/15 min) at start ${la(loadStart)}, at end ${la(loadEnd)} (the machine is shared: compare within the run)  
${machine(String(version), loadEnd).replace(/\n- Load average[^\n]*/, "")}

Data: ${fmt(o.events)} usage events across ${fmt(o.accounts)} accounts over 120 days, every modality, generated with \`generate_series\` in time order (one account's rows interleaved with everyone's on disk). The busy account holds ${fmt(busy_rows)} events: ${fmt(n30)} in the last 30 days, ${fmt(n90)} in the last 90. Load ${(seedMs / 1000).toFixed(0)} s in all: rows ${(phases.insert / 1000).toFixed(0)} s (indexes, foreign-key checks and triggers off), indexes ${(phases.index / 1000).toFixed(0)} s, rollup backfill (the migration's own statement) ${(phases.backfill / 1000).toFixed(0)} s; ANALYZE ${(analyzeMs / 1000).toFixed(1)} s, VACUUM (ANALYZE) ${(vacuumMs / 1000).toFixed(1)} s. \`usage_events\` with its indexes: ${size}; the rollup \`usage_daily\`: ${fmt(rollup_rows)} rows (the busy account's: ${fmt(busy_rollup_rows)}), ${rollup_size}; Σ cost and Σ requests of the rollup checked equal to the events'.

Each figure is the median of ${o.runs} runs after one warm-up, of the functions in \`lib/usage\` that the usage page, the overview and the breakdowns call, for the busy account. Whole UTC days come from the rollup, partial days (the 24-hour view, today in the overview) from the events. "Fresh" is right after the bulk load and ANALYZE, the main column after \`VACUUM (ANALYZE)\`.

${md}

Baseline in the same run: the summary computed from the events alone (the query used before the rollup, index-only scan on \`usage_account_time_cover\`, in-memory hash aggregate) takes ${baseline["30d"].toFixed(1)} ms for 30 days and ${baseline["90d"].toFixed(1)} ms for 90 days; from the rollup ${summaryMs("30d").toFixed(1)} ms and ${summaryMs("90d").toFixed(1)} ms (${(baseline["30d"] / summaryMs("30d")).toFixed(0)}× and ${(baseline["90d"] / summaryMs("90d")).toFixed(0)}× faster).

CSV export of the busy account's whole history (streamed, keyset batches of 1,000 rows, pulled only as the consumer reads): ${fmt(exp.rows)} rows, ${(exp.bytes / 2 ** 20).toFixed(0)} MiB in ${(exp.ms / 1000).toFixed(1)} s (${fmt(Math.round(exp.rows / (exp.ms / 1000)))} rows/s). RSS of the exporting process, sampled every 100 ms (${exp.samples} samples): ${exp.rssStartMiB.toFixed(0)} MiB before, at most ${exp.rssAfterFirstTenthMiB.toFixed(0)} MiB in the first tenth of the export, at most ${exp.rssMaxMiB.toFixed(0)} MiB over all of it, ${exp.rssEndMiB.toFixed(0)} MiB at the end.

Slowest query before VACUUM: ${freshSlowest.c.name} (${freshSlowest.c.range}), ${median(freshSlowest.ms).toFixed(1)} ms. Slowest after: **${slowest.c.name} (${slowest.c.range})**, ${median(slowest.ms).toFixed(1)} ms; its plan:

\`\`\`
${plan}
\`\`\`
`;
    const file = writeDoc(section);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await client.end({ timeout: 5 });
    if (o.keep) console.log(`kept database ${name} (--keep)`);
    else await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
  }
}
