import { sql } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "@/db/rows";
import { memoryBackend } from "@/lib/ratelimit/backends";
import { createRateLimiter, type RateLimiter } from "@/lib/ratelimit/limiter";
import { TIERS_BY_ID } from "@/lib/ratelimit/tiers";
import { flushFailedRequests, MAX_GROUPS, recordFailedRequest } from "@/lib/usage/failed-requests";
import { parseUsageFilters } from "@/lib/usage/filters";
import { getRefusedRequest, listRequestLog, statusTotals, type LogEntry, type LogStatus } from "@/lib/usage/request-log";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { settledMoneyState } from "@/tests/helpers/money-checks";
import { integrationApp } from "@/tests/helpers/fixture";
import { swapProcessSingleton } from "@/tests/helpers/process-state";

// Issue 14 point 6: requests refused before any credit was held (400, 402, 404, 429) appear
// in the request log beside the billed ones, with a status filter and pages; they cost
// nothing, write no ledger entry and no usage event; a 429 storm is coalesced into a few
// rows; another account sees none of it.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

let restoreLimiter: () => void = () => {};
const app = integrationApp();
// A fixed minute on a fake clock: the Free tier's 10 requests, then 429s, deterministically.
const clock = { t: Date.UTC(2031, 0, 1, 0, 0, 5) };

beforeAll(async () => {
  const now = () => clock.t;
  restoreLimiter = swapProcessSingleton<RateLimiter>("ratelimit", createRateLimiter({ backend: memoryBackend({ now, prefix: "request-log-test" }), now }));
});
afterAll(async () => {
  restoreLimiter();
  await flushFailedRequests();
});

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err.status!;
    throw err;
  }
}

const chat = (client: OpenAI, extra: Record<string, unknown> = {}) =>
  client.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 16, ...extra } as never);

async function wholeLog(accountId: string, statusFilter: LogStatus, pageSize: number): Promise<LogEntry[]> {
  const filters = parseUsageFilters({ range: "7d" });
  const out: LogEntry[] = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const page = await listRequestLog({ db: app.db, accountId, filters, status: statusFilter, cursor, limit: pageSize });
    out.push(...page.rows);
    if (!page.next) return out;
    cursor = page.next;
  }
  throw new Error("the log never ended");
}

describe("refused requests in the request log", () => {
  it("400, 402, 404 and 429 are listed (429s coalesced), at no cost, with no ledger entry or usage event; the status filter and pages work", async () => {
    const a = await makeAccountWithKey(app.db, { tier: "free" });
    const other = await makeAccountWithKey(app.db, { tier: "paid" });
    const client = sdkClient(a.secret);

    expect(await status(chat(client))).toBe(200);
    expect(await status(chat(client, { model: "local/chat-sim" }))).toBe(404);
    expect(await status(client.chat.completions.create({ model: "local/echo-chat", messages: "nope" } as never))).toBe(400);
    const tooDear = await appFetch("http://app.test/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${a.secret}`, "content-type": "application/json", "x-max-cost": "0.000001" },
      body: JSON.stringify({ model: "local/lorem-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 4000 }),
    });
    expect(tooDear.status).toBe(402);
    // The rest of the minute's 10, then a storm of 429s.
    for (let i = 0; i < TIERS_BY_ID.free.requestsPerMinute - 4; i++) expect(await status(chat(client))).toBe(200);
    const storm = 30;
    for (let i = 0; i < storm; i++) expect(await status(chat(client))).toBe(429);
    await flushFailedRequests();

    // Money: the refusals moved nothing. Only the billed requests have usage events and ledger entries.
    const m = await settledMoneyState(app.db, a.accountId);
    expect(m.auditOk).toBe(true);
    expect(m.usageEvents.size).toBe(TIERS_BY_ID.free.requestsPerMinute - 3);
    expect(m.usageEntries.size).toBe(m.usageEvents.size);
    expect(m.sumUsageEventsMicroUsd).toBe(-m.sumUsageEntriesMicroUsd);
    const [ledgerForRefused] = await rows<{ n: number }>(
      app.db,
      sql`select count(*)::int as n from ledger_entries l join failed_requests f on f.request_id = l.request_id where f.account_id = ${a.accountId}`,
    );
    expect(ledgerForRefused.n).toBe(0);

    const all = await wholeLog(a.accountId, "all", 3);
    const refused = all.filter((r) => r.source === "refused");
    const billed = all.filter((r) => r.source === "usage");
    expect(billed.length).toBe(m.usageEvents.size);
    expect(new Set(all.map((r) => `${r.source}:${r.id}`)).size).toBe(all.length); // pages neither repeat nor skip
    expect(all.map((r) => r.createdAt)).toEqual([...all.map((r) => r.createdAt)].sort().reverse());
    const byStatus = (s: number) => refused.filter((r) => r.httpStatus === s);
    expect(byStatus(404).map((r) => [r.code, r.model, r.count])).toEqual([["model_not_found", "", 1]]);
    expect(byStatus(400)).toHaveLength(1);
    expect(byStatus(402).map((r) => [r.code, r.model])).toEqual([["max_cost_exceeded", "local/lorem-chat"]]);
    const limited = byStatus(429);
    expect(limited.reduce((s, r) => s + r.count, 0)).toBe(storm);
    expect(limited.length).toBeLessThanOrEqual(3); // coalesced: a few rows, not 30
    for (const r of refused) expect(r.costMicroUsd).toBe(0n);

    const failed = await wholeLog(a.accountId, "failed", 2);
    expect(failed.map((r) => r.requestId).sort()).toEqual(refused.map((r) => r.requestId).sort());
    expect((await wholeLog(a.accountId, "ok", 4)).map((r) => r.requestId).sort()).toEqual(billed.map((r) => r.requestId).sort());
    expect(await wholeLog(a.accountId, "5xx", 4)).toEqual([]);
    expect((await wholeLog(a.accountId, "4xx", 4)).length).toBe(refused.length);

    // Issue 23: the totals above the log follow its status filter.
    const filters = parseUsageFilters({ range: "7d" });
    const refusedCount = BigInt(refused.reduce((s, r) => s + r.count, 0));
    expect(await statusTotals({ db: app.db, accountId: a.accountId, filters, status: "failed" })).toEqual({
      requests: refusedCount,
      refused: refusedCount,
      costMicroUsd: 0n,
    });
    expect(await statusTotals({ db: app.db, accountId: a.accountId, filters, status: "ok" })).toEqual({
      requests: BigInt(m.usageEvents.size),
      refused: 0n,
      costMicroUsd: m.sumUsageEventsMicroUsd,
    });
    expect((await statusTotals({ db: app.db, accountId: a.accountId, filters, status: "5xx" })).requests).toBe(0n);

    // Another account sees none of it, by listing or by request id.
    expect(await wholeLog(other.accountId, "all", 10)).toEqual([]);
    expect(await getRefusedRequest({ db: app.db, accountId: other.accountId, requestId: limited[0].requestId })).toBeNull();
    const detail = await getRefusedRequest({ db: app.db, accountId: a.accountId, requestId: limited[0].requestId });
    expect(detail?.code).toBe("rate_limit_exceeded");
  });

  it("a storm bigger than the cap becomes at most MAX_GROUPS rows in one insert", async () => {
    const a = await makeAccountWithKey(app.db);
    const base = {
      accountId: a.accountId,
      keyId: a.keyId,
      method: "POST",
      path: "/v1/chat/completions",
      model: null,
      httpStatus: 429,
      code: "rate_limit_exceeded",
      message: "slow down",
    };
    for (let i = 0; i < 20_000; i++) recordFailedRequest(app.db, { ...base, requestId: `req_storm${i}` });
    // Distinct kinds of refusal past the cap are dropped, not queued.
    for (let i = 0; i < MAX_GROUPS + 50; i++) recordFailedRequest(app.db, { ...base, requestId: `req_kind${i}`, path: `/v1/x${i}` });
    expect(await flushFailedRequests()).toBe(MAX_GROUPS);
    expect(await flushFailedRequests()).toBe(0);
    const [r] = await rows<{ n: number; total: number }>(
      app.db,
      sql`select count(*)::int as n, sum(count)::int as total from failed_requests where account_id = ${a.accountId}`,
    );
    expect(r.n).toBe(MAX_GROUPS);
    expect(r.total).toBe(20_000 + MAX_GROUPS - 1);
  });
});
