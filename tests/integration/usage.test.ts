import { beforeAll, describe, expect, it, vi } from "vitest";
import { toFile } from "openai";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { usageEvents } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys";
import { flushLastUsed } from "@/lib/api";
import { waitForVideoJobs } from "@/lib/media/video-jobs";
import { synthesizeSpeech } from "@/lib/providers/local/media/speech";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { MODALITIES } from "@/lib/catalog/types";
import {
  CSV_COLUMNS,
  getRequestDetail,
  listRequests,
  overviewStats,
  parseUsageFilters,
  usageCsvStream,
  usageSummary,
  ZERO_UNITS,
  addUnits,
  type UsageFilters,
} from "@/lib/usage";
import { buildChartData } from "@/lib/usage/series";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { integrationApp } from "@/tests/helpers/fixture";

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

// The session is whatever this file says it is: the export route and the detail page read
// it through lib/auth/session, which is replaced here (next-auth needs a real request).
const session = vi.hoisted(() => ({ current: null as null | { accountId: string } }));
vi.mock("@/lib/auth/session", () => {
  const build = async () => {
    if (!session.current) return null;
    const { getDb } = await import("@/db/client");
    // The account's owner: every permission (the role matrix test covers the other roles).
    return {
      db: await getDb(),
      userId: "usr_test",
      email: "t@test",
      account: { id: session.current.accountId, tier: "paid" },
      role: "owner",
      can: () => true,
      isAdmin: false,
    };
  };
  const requireAccount = async () => {
    const s = await build();
    if (!s) throw new Error("NEXT_REDIRECT /login");
    return s;
  };
  return { currentAccount: build, requireAccount, requirePermission: requireAccount };
});

const app = integrationApp({ maxConnections: 20 });

const ledgerUsageSum = async (accountId: string, f: UsageFilters) => {
  const [r] = await rows<{ s: string }>(
    app.db,
    sql`select coalesce(-sum(amount_micro_usd), 0)::text as s from ledger_entries
         where account_id = ${accountId} and kind = 'usage'
           and created_at >= ${f.from.toISOString()}::timestamptz and created_at < ${f.to.toISOString()}::timestamptz`,
  );
  return BigInt(r.s);
};

function parseCsv(text: string) {
  const lines = text.split("\r\n").filter(Boolean);
  const header = lines[0].split(",");
  return { header, rows: lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v]))) };
}

async function readAll(stream: ReadableStream<Uint8Array>) {
  return new Response(stream).text();
}

/** A mixed workload of every modality through the real /v1 handlers, with two keys. */
async function workload() {
  const a = await makeAccountWithKey(app.db);
  const second = await createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: "second key" });
  const c1 = sdkClient(a.secret);
  const c2 = sdkClient(second.secret);
  const reported: { requestId: string; costMicroUsd: bigint }[] = [];
  const note = (requestId: string | null, usage: unknown) => {
    reported.push({ requestId: requestId!, costMicroUsd: BigInt((usage as { cost_micro_usd: number }).cost_micro_usd) });
  };

  const chat = await c1.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "How much is this?" }] }).withResponse();
  note(chat.response.headers.get("x-request-id"), chat.data.usage);

  const lorem = await c2.chat.completions.create({ model: "local/lorem-chat", messages: [{ role: "user", content: "write" }], max_tokens: 53 }).withResponse();
  note(lorem.response.headers.get("x-request-id"), lorem.data.usage);

  const streamed = await c1.chat.completions
    .create({
      model: "local/echo-chat",
      messages: [{ role: "user", content: "stream this back to me" }],
      stream: true,
      stream_options: { include_usage: true },
    })
    .withResponse();
  let last: { usage?: unknown } | undefined;
  for await (const chunk of streamed.data) last = chunk;
  note(streamed.response.headers.get("x-request-id"), last!.usage);

  const completion = await c2.completions.create({ model: "local/echo-completion", prompt: "Once upon a time", max_tokens: 20 }).withResponse();
  note(completion.response.headers.get("x-request-id"), completion.data.usage);

  const image = await c1.images.generate({ model: "local/image-sim", prompt: "a red fox", n: 2, size: "256x256" }).withResponse();
  note(image.response.headers.get("x-request-id"), image.data.usage);

  const speech = await c2.audio.speech.create({ model: "local/tts-sim", input: "Metered speech for the usage page", voice: "alloy", response_format: "wav" });
  await speech.arrayBuffer();
  reported.push({ requestId: speech.headers.get("x-request-id")!, costMicroUsd: BigInt(speech.headers.get("x-cost-micro-usd")!) });

  const wav = encodeWav(synthesizeSpeech("transcribe me, please").subarray(0, 36_123), 24_000);
  const stt = await c1.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim", response_format: "json" }).withResponse();
  note(stt.response.headers.get("x-request-id"), (stt.data as unknown as { usage: unknown }).usage);

  const video = await c2.videos.create({ model: "local/video-sim", prompt: "a paper boat", seconds: "1" as never, size: "1280x720" }).withResponse();
  await waitForVideoJobs();
  const done = await c2.videos.retrieve(video.data.id);
  note(video.response.headers.get("x-request-id"), (done as unknown as { usage: unknown }).usage);

  await flushLastUsed();
  return { ...a, secondKeyId: second.id, reported };
}

describe(`usage analytics on ${process.env.TEST_DB ?? "postgres"}`, () => {
  let A: Awaited<ReturnType<typeof workload>>;
  let B: Awaited<ReturnType<typeof workload>>;
  beforeAll(async () => {
    A = await workload();
    B = await workload();
  }, 120_000);

  it("the page's total for the period equals Σ usage ledger entries, to the micro-USD, and the per-day/per-model sums add up", async () => {
    for (const range of ["24h", "7d", "30d", "90d"] as const) {
      const f = parseUsageFilters({ range });
      const summary = await usageSummary({ db: app.db, accountId: A.accountId, filters: f });
      const ledger = await ledgerUsageSum(A.accountId, f);
      expect(ledger).toBeGreaterThan(0n);
      expect(summary.totals.costMicroUsd).toBe(ledger);
      // What the API told the client, request by request, adds up to the same figure.
      expect(summary.totals.costMicroUsd).toBe(A.reported.reduce((s, r) => s + r.costMicroUsd, 0n));
      expect(summary.totals.requests).toBe(8n);
      // The rows (bucket × model) add up to PostgreSQL's own grand total, unit by unit.
      expect(summary.rows.reduce(addUnits, ZERO_UNITS)).toEqual(summary.totals);
      // Per bucket and per model, both ways.
      const perDay = new Map<string, bigint>();
      const perModel = new Map<string, bigint>();
      for (const r of summary.rows) {
        perDay.set(r.bucket, (perDay.get(r.bucket) ?? 0n) + r.costMicroUsd);
        perModel.set(r.model, (perModel.get(r.model) ?? 0n) + r.costMicroUsd);
      }
      expect([...perDay.values()].reduce((s, v) => s + v, 0n)).toBe(ledger);
      expect([...perModel.values()].reduce((s, v) => s + v, 0n)).toBe(ledger);
      expect(perModel.size).toBe(8 - 1); // echo-chat twice (plain + streamed)
      // Each model's spend equals what its requests were reported to cost.
      const chart = buildChartData(summary, f);
      if (range === "24h") expect(chart.rows.length).toBeGreaterThanOrEqual(24);
      else expect(chart.rows.length).toBe(Number(range.slice(0, -1)));
      const charted = chart.rows.reduce((s, row) => s + row.requests, 0);
      expect(charted).toBe(8);
    }
    const f = parseUsageFilters({ range: "7d" });
    const s = await usageSummary({ db: app.db, accountId: A.accountId, filters: f });
    expect(s.totals).toMatchObject({ images: 2n, videoSeconds: 1n });
    expect(s.totals.characters).toBe(BigInt([..."Metered speech for the usage page"].length));
    expect(s.totals.audioMs).toBeGreaterThan(1000n);
    expect(s.totals.inputTokens).toBeGreaterThan(0n);
    expect(s.totals.outputTokens).toBeGreaterThan(53n);
  });

  it("filters by key, model and modality partition the total exactly", async () => {
    const base = parseUsageFilters({ range: "7d" });
    const total = (await usageSummary({ db: app.db, accountId: A.accountId, filters: base })).totals;
    const k1 = await usageSummary({ db: app.db, accountId: A.accountId, filters: { ...base, keyId: A.keyId } });
    const k2 = await usageSummary({ db: app.db, accountId: A.accountId, filters: { ...base, keyId: A.secondKeyId } });
    expect(k1.totals.requests).toBe(4n);
    expect(k2.totals.requests).toBe(4n);
    expect(addUnits(k1.totals, k2.totals)).toEqual(total);
    let byModality = ZERO_UNITS;
    for (const modality of MODALITIES) {
      byModality = addUnits(byModality, (await usageSummary({ db: app.db, accountId: A.accountId, filters: { ...base, modality } })).totals);
    }
    expect(byModality).toEqual(total);
    const echo = await usageSummary({ db: app.db, accountId: A.accountId, filters: { ...base, model: "local/echo-chat" } });
    expect(echo.totals.requests).toBe(2n);
    expect(echo.rows.every((r) => r.model === "local/echo-chat")).toBe(true);
  });

  it("the request log pages newest first by keyset with nothing lost or repeated; the CSV has exact costs", async () => {
    const f = parseUsageFilters({ range: "7d" });
    const seen: string[] = [];
    let cursor = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listRequests>> = await listRequests({ db: app.db, accountId: A.accountId, filters: f, cursor, limit: 3 });
      seen.push(...page.rows.map((r) => `${r.createdAt}|${r.requestId}`));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    expect([...seen].sort().reverse()).toEqual(seen);
    expect(new Set(seen.map((s) => s.split("|")[1]))).toEqual(new Set(A.reported.map((r) => r.requestId)));

    const first = await listRequests({ db: app.db, accountId: A.accountId, filters: f });
    expect(first.rows[0].keyName).toBe("second key"); // the video job settles last

    // Batches of 2 (4 keyset queries) give the same CSV as one batch.
    const small = await readAll(usageCsvStream({ db: app.db, accountId: A.accountId, filters: f, batchSize: 2 }));
    const big = await readAll(usageCsvStream({ db: app.db, accountId: A.accountId, filters: f }));
    expect(small).toBe(big);
    const csv = parseCsv(big);
    expect(csv.header).toEqual([...CSV_COLUMNS]);
    expect(csv.rows).toHaveLength(8);
    for (const r of A.reported) {
      const row = csv.rows.find((x) => x.request_id === r.requestId)!;
      expect(BigInt(row.cost_micro_usd)).toBe(r.costMicroUsd);
      expect(row.cost_usd).toBe(formatExact(r.costMicroUsd));
    }
  });

  it("a request's detail carries its usage event and its ledger entry", async () => {
    const r = A.reported[0];
    const d = await getRequestDetail({ db: app.db, accountId: A.accountId, requestId: r.requestId });
    expect(d?.event).toMatchObject({ requestId: r.requestId, costMicroUsd: r.costMicroUsd, keyId: A.keyId, keyName: "test", aborted: false });
    expect(d?.ledgerEntry).toMatchObject({ kind: "usage", amountMicroUsd: -r.costMicroUsd, reference: r.requestId });
  });

  it("IDOR: another account's usage is never visible through the query functions", async () => {
    const f = parseUsageFilters({ range: "90d" });
    // B filtering by A's key id, A's model set, or A's request id gets B's own data or nothing.
    const viaKey = await usageSummary({ db: app.db, accountId: B.accountId, filters: { ...f, keyId: A.keyId } });
    expect(viaKey.totals).toEqual(ZERO_UNITS);
    expect(viaKey.rows).toEqual([]);
    expect((await listRequests({ db: app.db, accountId: B.accountId, filters: { ...f, keyId: A.secondKeyId } })).rows).toEqual([]);
    for (const r of A.reported) {
      expect(await getRequestDetail({ db: app.db, accountId: B.accountId, requestId: r.requestId })).toBeNull();
    }
    const own = await listRequests({ db: app.db, accountId: B.accountId, filters: f, limit: 100 });
    expect(own.rows.map((r) => r.requestId).sort()).toEqual(B.reported.map((r) => r.requestId).sort());
    expect(own.rows.every((r) => r.keyId === B.keyId || r.keyId === B.secondKeyId)).toBe(true);
    expect((await usageSummary({ db: app.db, accountId: B.accountId, filters: f })).totals.costMicroUsd).toBe(await ledgerUsageSum(B.accountId, f));
    await expect(usageSummary({ db: app.db, accountId: "", filters: f })).rejects.toThrow(/account/);
  });

  it("IDOR: the export route serves only the session's account, whatever the query string; 401 signed out", async () => {
    const { GET } = await import("@/app/dashboard/usage/export/route");
    session.current = null;
    const out = await GET(new Request("http://app.test/dashboard/usage/export?range=7d"));
    expect(out.status).toBe(401);

    session.current = { accountId: B.accountId };
    const foreign = await GET(new Request(`http://app.test/dashboard/usage/export?range=90d&key=${A.keyId}`));
    expect(foreign.status).toBe(200);
    expect(parseCsv(await foreign.text()).rows).toEqual([]);
    // Parameters that are not filters (an account id) are ignored: still B's own rows only.
    const own = await GET(new Request(`http://app.test/dashboard/usage/export?range=90d&account=${A.accountId}&accountId=${A.accountId}`));
    expect(own.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(own.headers.get("content-disposition")).toMatch(/^attachment; filename="usage-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv"$/);
    const ownRows = parseCsv(await own.text()).rows;
    expect(ownRows.map((r) => r.request_id).sort()).toEqual(B.reported.map((r) => r.requestId).sort());

    session.current = { accountId: A.accountId };
    const mine = parseCsv(await (await GET(new Request(`http://app.test/dashboard/usage/export?range=7d&key=${A.keyId}`))).text()).rows;
    expect(mine).toHaveLength(4);
    expect(mine.every((r) => r.key_id === A.keyId)).toBe(true);
    session.current = null;
  });

  it("IDOR: the detail page is a 404 for another account's request id", async () => {
    const { default: Page } = await import("@/app/dashboard/usage/requests/[requestId]/page");
    session.current = { accountId: B.accountId };
    const err = await Page({ params: Promise.resolve({ requestId: A.reported[0].requestId }) }).catch((e) => e);
    expect(String((err as { digest?: string }).digest)).toMatch(/404/);
    const ownPage = await Page({ params: Promise.resolve({ requestId: B.reported[0].requestId }) });
    expect(ownPage).toBeTruthy();
    session.current = null;
  });

  it("overview: today, this month and the 7-day series match the ledger", async () => {
    const now = new Date();
    const s = await overviewStats({ db: app.db, accountId: A.accountId, now: new Date(now.getTime() + 1000) });
    const total = A.reported.reduce((sum, r) => sum + r.costMicroUsd, 0n);
    expect(s.hasUsage).toBe(true);
    expect(s.last7DaysMicroUsd).toBe(total);
    expect(s.daily).toHaveLength(7);
    expect(s.daily.reduce((sum, d) => sum + d.costMicroUsd, 0n)).toBe(total);
    const todayFilters = parseUsageFilters({ range: "custom", from: now.toISOString().slice(0, 10), to: now.toISOString().slice(0, 10) });
    expect(s.todayMicroUsd).toBe(await ledgerUsageSum(A.accountId, todayFilters));
    const fresh = await makeAccountWithKey(app.db);
    expect(await overviewStats({ db: app.db, accountId: fresh.accountId })).toMatchObject({
      hasUsage: false,
      todayMicroUsd: 0n,
      monthMicroUsd: 0n,
      last7DaysMicroUsd: 0n,
    });
  });
});

describe(`usage buckets and periods on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("groups by UTC day exactly at midnight, and custom ranges include whole UTC days", async () => {
    const a = await makeAccountWithKey(app.db);
    const at = (iso: string, cost: bigint, model = "local/echo-chat") => ({
      requestId: `req_t${Math.random().toString(36).slice(2)}`,
      accountId: a.accountId,
      keyId: a.keyId,
      model,
      modality: "chat",
      inputTokens: 1,
      outputTokens: 2,
      costMicroUsd: cost,
      status: "ok",
      httpStatus: 200,
      latencyMs: 5,
      createdAt: new Date(iso),
    });
    await app.db
      .insert(usageEvents)
      .values([
        at("2024-03-09T23:59:59.999Z", 1n),
        at("2024-03-10T00:00:00.000Z", 10n),
        at("2024-03-10T23:59:59.999Z", 100n, "local/lorem-chat"),
        at("2024-03-11T00:00:00.000Z", 1000n),
        at("2024-03-12T12:00:00.000Z", 10000n),
      ]);
    const now = new Date("2024-03-12T18:00:00Z");
    const f = parseUsageFilters({ range: "custom", from: "2024-03-10", to: "2024-03-11" }, now);
    expect([f.from.toISOString(), f.to.toISOString()]).toEqual(["2024-03-10T00:00:00.000Z", "2024-03-12T00:00:00.000Z"]);
    const s = await usageSummary({ db: app.db, accountId: a.accountId, filters: f });
    expect(s.totals.costMicroUsd).toBe(1110n);
    expect(s.rows.map((r) => [r.bucket, r.model, r.costMicroUsd])).toEqual([
      ["2024-03-10T00:00", "local/echo-chat", 10n],
      ["2024-03-10T00:00", "local/lorem-chat", 100n],
      ["2024-03-11T00:00", "local/echo-chat", 1000n],
    ]);
    const chart = buildChartData(s, f);
    expect(chart.rows.map((r) => [r.label, r.totalExact])).toEqual([
      ["2024-03-10", "$0.00011"],
      ["2024-03-11", "$0.001"],
    ]);
    // "Last 7 days" on 2024-03-12 = 2024-03-06 .. 2024-03-12; the 24-hour view is hourly.
    const week = await usageSummary({ db: app.db, accountId: a.accountId, filters: parseUsageFilters({ range: "7d" }, now) });
    expect(week.totals.costMicroUsd).toBe(11111n);
    const day = parseUsageFilters({ range: "24h" }, now);
    const hourly = await usageSummary({ db: app.db, accountId: a.accountId, filters: day });
    expect(hourly.rows.map((r) => r.bucket)).toEqual(["2024-03-12T12:00"]);
    const o = await overviewStats({ db: app.db, accountId: a.accountId, now });
    expect([o.todayMicroUsd, o.monthMicroUsd, o.last7DaysMicroUsd]).toEqual([10000n, 11111n, 11111n]);
    expect(o.daily.map((d) => d.costMicroUsd)).toEqual([0n, 0n, 0n, 1n, 110n, 1000n, 10000n]);
  });
});

function formatExact(micro: bigint) {
  const frac = (micro % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${micro / 1_000_000n}${frac ? "." + frac : ""}`;
}
