// @module-tag pglite
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { createApiKey } from "@/lib/api-keys";
import { flushLastUsed } from "@/lib/api";
import { overviewStats, parseUsageFilters, usageBreakdown, usageSummary, type UsageFilters } from "@/lib/usage";
import { spendByKey } from "@/lib/usage/by-key";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { makeAccount } from "@/tests/helpers/accounts";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { integrationApp } from "@/tests/helpers/fixture";

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

// The daily rollup (usage_daily, kept by triggers on usage_events: migration 0010_usage-daily)
// must agree with the events, and through them with the usage ledger, to the micro-USD,
// and every usage query that reads it must answer exactly what the events say. Runs on
// PostgreSQL and, in `npm run test:pglite`, on PGlite.

const app = integrationApp();

const UNITS = ["requests", "cost_micro_usd", "input_tokens", "output_tokens", "images", "video_seconds", "characters", "audio_ms"] as const;

/** Σ of every unit per account: from the rollup, and from the events. */
async function totals(accountId: string) {
  const sums = UNITS.map((u) => (u === "requests" ? sql.raw(`count(*)::text as requests`) : sql.raw(`coalesce(sum(${u}), 0)::text as ${u}`)));
  const rollupSums = UNITS.map((u) => sql.raw(`coalesce(sum(${u}), 0)::text as ${u}`));
  const [events] = await rows<Record<string, string>>(app.db, sql`select ${sql.join(sums, sql`, `)} from usage_events where account_id = ${accountId}`);
  const [rollup] = await rows<Record<string, string>>(app.db, sql`select ${sql.join(rollupSums, sql`, `)} from usage_daily where account_id = ${accountId}`);
  const [ledger] = await rows<{ s: string }>(
    app.db,
    sql`select coalesce(-sum(amount_micro_usd), 0)::text as s from ledger_entries where account_id = ${accountId} and kind = 'usage'`,
  );
  return { events, rollup, ledgerUsageMicroUsd: ledger.s };
}

/** The summary computed the slow way, from the events alone: bucket|model|modality → cost, requests. */
async function referenceSummary(accountId: string, f: UsageFilters) {
  const unit = sql.raw(f.bucket === "hour" ? "'hour'" : "'day'");
  const conds = [sql`account_id = ${accountId}`, sql`created_at >= ${f.from.toISOString()}::timestamptz`, sql`created_at < ${f.to.toISOString()}::timestamptz`];
  if (f.keyId) conds.push(sql`key_id = ${f.keyId}`);
  if (f.model) conds.push(sql`model = ${f.model}`);
  if (f.modality) conds.push(sql`modality = ${f.modality}`);
  const r = await rows<{ k: string; cost: string; n: string; tokens: string }>(
    app.db,
    sql`select to_char(date_trunc(${unit}, created_at at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:00') || '|' || model || '|' || modality as k,
               sum(cost_micro_usd)::text as cost, count(*)::text as n, sum(input_tokens + output_tokens)::text as tokens
          from usage_events where ${sql.join(conds, sql` and `)} group by 1 order by 1`,
  );
  return r.map((x) => [x.k, x.cost, x.n, x.tokens]);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe(`daily usage rollup on ${process.env.TEST_DB ?? "postgres"}`, () => {
  let api: Awaited<ReturnType<typeof makeAccountWithKey>>;
  let secondKeyId: string;
  let history: Awaited<ReturnType<typeof makeAccount>>;
  let historyKeys: string[];
  const now = new Date();

  beforeAll(async () => {
    // A mixed workload through the real /v1 handlers, with two keys.
    api = await makeAccountWithKey(app.db);
    const second = await createApiKey(app.db, { accountId: api.accountId, userId: api.userId, name: "second" });
    secondKeyId = second.id;
    const c1 = sdkClient(api.secret);
    const c2 = sdkClient(second.secret);
    await Promise.all([
      c1.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "how much?" }] }),
      c2.chat.completions.create({ model: "local/lorem-chat", messages: [{ role: "user", content: "write" }], max_tokens: 41 }),
      (async () => {
        const s = await c1.chat.completions.create({
          model: "local/lorem-chat",
          messages: [{ role: "user", content: "stream" }],
          max_tokens: 33,
          stream: true,
          stream_options: { include_usage: true },
        });
        for await (const _ of s);
      })(),
      c2.images.generate({ model: "local/image-sim", prompt: "a fox", n: 2, size: "256x256" }),
      c1.audio.speech.create({ model: "local/tts-sim", input: "Rolled up speech", voice: "alloy", response_format: "wav" }).then((r) => r.arrayBuffer()),
      ...Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? c1 : c2).chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: `n ${i}` }], max_tokens: 9 }),
      ),
    ]);

    // History written by another path (plain INSERTs, as a migration or an import would):
    // 100 days, several events a day, on both sides of midnight, one statement per day and
    // one multi-day statement, three keys and no key.
    history = await makeAccount(app.db);
    historyKeys = [];
    for (let i = 0; i < 3; i++) historyKeys.push((await createApiKey(app.db, { accountId: history.accountId, userId: history.userId, name: `h${i}` })).id);
    const insertEvents = (fromMs: number, count: number, stepMs: number, tag: string) =>
      app.db
        .execute(sql`insert into usage_events (request_id, account_id, key_id, model, modality, input_tokens, output_tokens, images, characters, audio_ms, cost_micro_usd, status, http_status, latency_ms, created_at)
        select ${tag} || g, ${history.accountId},
               (array[${historyKeys[0]}, ${historyKeys[1]}, ${historyKeys[2]}, null])[1 + g % 4],
               (array['local/echo-chat', 'local/lorem-chat', 'local/image-sim', 'local/tts-sim'])[1 + (g / 3) % 4],
               (array['chat', 'chat', 'image', 'speech'])[1 + (g / 3) % 4],
               g % 1000, g % 777, g % 3, g % 91, g % 5000, 1 + (g * 7919) % 100000, 'ok', 200, 5,
               to_timestamp((${fromMs}::bigint + g * ${stepMs}::bigint) / 1000.0)
          from generate_series(0, ${count - 1}) g`);
    const start = Math.floor(now.getTime() / DAY) * DAY - 100 * DAY;
    for (let d = 0; d < 60; d++) await insertEvents(start + d * DAY - 2 * HOUR, 9, HOUR / 2 + 17, `hist_${d}_`); // straddles midnight
    await insertEvents(start + 60 * DAY, 4000, 890_000, "bulk_"); // ~41 days up to about now
    await flushLastUsed();
  }, 120_000);

  it("for every account, Σ rollup = Σ events, unit by unit; for the API account also = Σ usage ledger entries", async () => {
    for (const id of [api.accountId, history.accountId]) {
      const s = await totals(id);
      expect(s.rollup).toEqual(s.events);
      expect(Number(s.events.requests)).toBeGreaterThan(10);
    }
    const s = await totals(api.accountId);
    expect(s.rollup.cost_micro_usd).toBe(s.ledgerUsageMicroUsd);
    expect(Number(s.rollup.requests)).toBe(17);
  });

  it("the summary, by range and filter, equals the events' own aggregate to the micro-USD", async () => {
    const cases: Record<string, string>[] = [
      { range: "24h" },
      { range: "7d" },
      { range: "30d" },
      { range: "90d" },
      {
        range: "custom",
        from: new Date(now.getTime() - 80 * DAY).toISOString().slice(0, 10),
        to: new Date(now.getTime() - 50 * DAY).toISOString().slice(0, 10),
      },
      { range: "90d", key: "" },
      { range: "90d", model: "local/lorem-chat" },
      { range: "30d", modality: "speech" },
    ];
    for (const c of cases) {
      if ("key" in c) c.key = historyKeys[1];
      const f = parseUsageFilters(c, now);
      const summary = await usageSummary({ db: app.db, accountId: history.accountId, filters: f });
      const got = summary.rows.map((r) => [
        `${r.bucket}|${r.model}|${r.modality}`,
        String(r.costMicroUsd),
        String(r.requests),
        String(r.inputTokens + r.outputTokens),
      ]);
      const want = await referenceSummary(history.accountId, f);
      expect(got, JSON.stringify(c)).toEqual(want);
      expect(summary.totals.costMicroUsd).toBe(want.reduce((s, w) => s + BigInt(w[1]), 0n));
      // A period that is not whole days (the last 24 hours) still counts each event once.
    }
    // A period that starts and ends mid-day: whole days from the rollup, both ends from the events.
    const ragged = { ...parseUsageFilters({ range: "30d" }, now), from: new Date(now.getTime() - 10.3 * DAY), to: new Date(now.getTime() - 0.4 * DAY) };
    const raggedSummary = await usageSummary({ db: app.db, accountId: history.accountId, filters: ragged });
    expect(
      raggedSummary.rows.map((r) => [
        `${r.bucket}|${r.model}|${r.modality}`,
        String(r.costMicroUsd),
        String(r.requests),
        String(r.inputTokens + r.outputTokens),
      ]),
    ).toEqual(await referenceSummary(history.accountId, ragged));
    const raggedByKey = await usageBreakdown({ db: app.db, accountId: history.accountId, filters: ragged, by: "key" });
    expect(raggedByKey.reduce((s, r) => s + r.costMicroUsd, 0n)).toBe(raggedSummary.totals.costMicroUsd);
    // Another account's key or model narrows to nothing, never widens.
    const other = parseUsageFilters({ range: "90d", key: secondKeyId }, now);
    expect((await usageSummary({ db: app.db, accountId: history.accountId, filters: other })).totals.requests).toBe(0n);
  });

  it("breakdowns by key, model and modality add up to the summary's totals; key names are the account's own", async () => {
    const f = parseUsageFilters({ range: "90d" }, now);
    const summary = await usageSummary({ db: app.db, accountId: history.accountId, filters: f });
    for (const by of ["key", "model", "modality"] as const) {
      const b = await usageBreakdown({ db: app.db, accountId: history.accountId, filters: f, by });
      expect(b.reduce((s, r) => s + r.costMicroUsd, 0n)).toBe(summary.totals.costMicroUsd);
      expect(b.reduce((s, r) => s + r.requests, 0n)).toBe(summary.totals.requests);
    }
    const byKey = await usageBreakdown({ db: app.db, accountId: history.accountId, filters: f, by: "key" });
    expect(byKey.map((r) => r.group).sort()).toEqual([...historyKeys, null].sort());
    expect(byKey.find((r) => r.group === historyKeys[2])?.name).toBe("h2");
    const apiByKey = await usageBreakdown({ db: app.db, accountId: api.accountId, filters: f, by: "key" });
    expect(apiByKey.map((r) => r.name).sort()).toEqual(["second", "test"]);
  });

  it("the keys page's spend today and this month per key equals the key's events; other accounts' keys are absent", async () => {
    const spend = await spendByKey({ db: app.db, accountId: history.accountId, now });
    const today = new Date(Math.floor(now.getTime() / DAY) * DAY);
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const tomorrow = new Date(today.getTime() + DAY);
    // (The bulk history runs up to a day past now, into the next month near its end: "this
    // month" is the month up to the end of today, and so is the reference.)
    const perKey = async (keyId: string, from: Date, to: Date) => {
      const [r] = await rows<{ s: string }>(
        app.db,
        sql`select coalesce(sum(cost_micro_usd), 0)::text as s from usage_events
             where account_id = ${history.accountId} and key_id = ${keyId}
               and created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz`,
      );
      return BigInt(r.s);
    };
    for (const k of historyKeys) {
      const want = { todayMicroUsd: await perKey(k, today, tomorrow), monthMicroUsd: await perKey(k, month, tomorrow) };
      if (want.monthMicroUsd === 0n) expect(spend.has(k)).toBe(false);
      else expect(spend.get(k), k).toEqual(want);
    }
    expect([...spend.keys()].every((k) => historyKeys.includes(k))).toBe(true);
    const apiSpend = await spendByKey({ db: app.db, accountId: api.accountId, now });
    expect([...apiSpend.keys()].sort()).toEqual([api.keyId, secondKeyId].sort());
    const [ledger] = await rows<{ s: string }>(
      app.db,
      sql`select (-sum(amount_micro_usd))::text as s from ledger_entries where account_id = ${api.accountId} and kind = 'usage'`,
    );
    expect([...apiSpend.values()].reduce((s, v) => s + v.todayMicroUsd, 0n)).toBe(BigInt(ledger.s));
  });

  it("the overview's today, month, 7 × 24 h and daily figures equal the events'", async () => {
    const o = await overviewStats({ db: app.db, accountId: history.accountId, now });
    const sum = async (from: Date, to: Date | null) => {
      const [r] = await rows<{ s: string }>(
        app.db,
        sql`select coalesce(sum(cost_micro_usd), 0)::text as s from usage_events where account_id = ${history.accountId}
             and created_at >= ${from.toISOString()}::timestamptz ${to ? sql`and created_at < ${to.toISOString()}::timestamptz` : sql``}`,
      );
      return BigInt(r.s);
    };
    const today = new Date(Math.floor(now.getTime() / DAY) * DAY);
    expect(o.todayMicroUsd).toBe(await sum(today, null));
    expect(o.monthMicroUsd).toBe(await sum(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), null));
    expect(o.last7DaysMicroUsd).toBe(await sum(new Date(now.getTime() - 7 * DAY), now));
    expect(o.last7DaysMicroUsd > 0n).toBe(true);
    for (const d of o.daily) {
      const from = new Date(`${d.day}T00:00:00Z`);
      expect(d.costMicroUsd, d.day).toBe(await sum(from, new Date(from.getTime() + DAY)));
    }
  });

  it("follows updates and deletes of events, and the migration's backfill rebuilds the same rollup", async () => {
    const [victim] = await rows<{ request_id: string }>(
      app.db,
      sql`select request_id from usage_events where account_id = ${history.accountId} order by id limit 1`,
    );
    await app.db.execute(
      sql`update usage_events set cost_micro_usd = cost_micro_usd + 1234567, created_at = created_at - interval '3 days', model = 'local/moved' where request_id = ${victim.request_id}`,
    );
    await app.db.execute(sql`delete from usage_events where account_id = ${history.accountId} and request_id like 'hist_7_%'`);
    let s = await totals(history.accountId);
    expect(s.rollup).toEqual(s.events);
    const [empty] = await rows<{ n: number }>(app.db, sql`select count(*)::int as n from usage_daily where requests = 0`);
    expect(empty.n).toBe(0);

    const before = await rows(app.db, sql`select * from usage_daily order by account_id, day, model, modality, key_id nulls first`);
    const migration = fs.readFileSync(path.join(import.meta.dirname, "../../db/migrations/0010_usage-daily.sql"), "utf8");
    const backfill = migration.split("--> statement-breakpoint").at(-1)!;
    expect(backfill).toMatch(/INSERT INTO usage_daily/);
    await app.db.execute(sql`delete from usage_daily`);
    await app.db.execute(sql.raw(backfill));
    expect(await rows(app.db, sql`select * from usage_daily order by account_id, day, model, modality, key_id nulls first`)).toEqual(before);
    s = await totals(api.accountId);
    expect(s.rollup.cost_micro_usd).toBe(s.ledgerUsageMicroUsd);
  });
});
