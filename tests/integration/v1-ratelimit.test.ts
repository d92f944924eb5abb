// @module-tag pglite
import { eq } from "drizzle-orm";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { reservations, usageEvents } from "@/db/schema";
import { setTier } from "@/lib/accounts";
import { flushLastUsed } from "@/lib/api";
import { getCatalog, type TextModel } from "@/lib/catalog";
import { insufficientCreditExample, rateLimitedExample } from "@/lib/docs/examples";
import { postEntry, readBalance } from "@/lib/ledger";
import { memoryBackend } from "@/lib/ratelimit/backends";
import { createRateLimiter, type RateLimiter } from "@/lib/ratelimit/limiter";
import { swapProcessSingleton } from "@/tests/helpers/process-state";
import { RATE_LIMIT_HEADERS, TIERS_BY_ID } from "@/lib/ratelimit/tiers";
import { releaseAllLeases } from "@/lib/metering/credit-lease";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";

// The /v1 routes in-process through the official SDK, with the app's limiter swapped for
// one on a fake clock: windows, Reset and Retry-After are then exact and the test never
// waits for a real minute. (Limiter semantics on real Redis: tests/integration/ratelimit*.)

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

const MINUTE = 60_000;
const clock = { t: 0 };
let restoreLimiter: () => void = () => {};
const app = integrationApp();

beforeAll(async () => {
  const now = () => clock.t;
  restoreLimiter = swapProcessSingleton<RateLimiter>("ratelimit", createRateLimiter({ backend: memoryBackend({ now, prefix: "v1-rl-test" }), now }));
});
afterAll(async () => {
  restoreLimiter();
  await flushLastUsed(); // the keys' last-used write must land before the database goes
});
// Each test starts 5 s into a fresh minute of the fake clock.
let minute = 0;
beforeEach(() => {
  minute++;
  clock.t = Date.UTC(2031, 0, 1, 0, minute, 5);
});

const windowEnd = () => (Math.floor(clock.t / MINUTE) + 1) * (MINUTE / 1000);
const chat = (client: OpenAI, extra: Record<string, unknown> = {}) =>
  client.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 16, ...extra } as never);

function rlHeaders(h: Headers) {
  return {
    limit: h.get(RATE_LIMIT_HEADERS.limit),
    remaining: h.get(RATE_LIMIT_HEADERS.remaining),
    reset: h.get(RATE_LIMIT_HEADERS.reset),
  };
}

async function apiError(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error("expected an API error");
}

const usageCount = async (accountId: string) => (await app.db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId))).length;

describe("rate-limit headers and 429 on /v1", () => {
  it("a Free key: 10 requests with counting-down headers, then 429 with an honest Retry-After and nothing charged", async () => {
    const a = await makeAccountWithKey(app.db, { tier: "free" });
    const client = sdkClient(a.secret);
    const limit = TIERS_BY_ID.free.requestsPerMinute;
    for (let i = 1; i <= limit; i++) {
      const { response } = await chat(client).withResponse();
      expect(rlHeaders(response.headers)).toEqual({ limit: String(limit), remaining: String(limit - i), reset: String(windowEnd()) });
      expect(response.headers.get("retry-after")).toBeNull();
    }

    // Ten requests in a second make the account hot: their credit lease (lib/metering/
    // credit-lease.ts) is given back now rather than after its idle time, so what follows
    // sees only what the refused request itself does.
    await releaseAllLeases();
    const before = await readBalance(app.db, a.accountId);
    const usageBefore = await usageCount(a.accountId);
    const err = await apiError(chat(client));
    expect(err.status).toBe(429);
    const retryAfter = Number(err.headers?.get("retry-after"));
    // 5 s into the minute: the window ends in 55 s; the wait lands just after it.
    expect(retryAfter).toBe(56);
    expect(rlHeaders(err.headers!)).toEqual({ limit: String(limit), remaining: "0", reset: String(windowEnd()) });
    expect(err.headers?.get("x-request-id")).toMatch(/^req_/);
    // The body is the one the Rate limits docs page shows (lib/docs/examples.ts).
    expect(err.error).toEqual(rateLimitedExample("free", retryAfter).error);
    expect(err.code).toBe("rate_limit_exceeded");
    // A refused request costs nothing and reaches no model: no hold, no charge, no usage event.
    expect(await readBalance(app.db, a.accountId)).toEqual(before);
    expect(await usageCount(a.accountId)).toBe(usageBefore);
    expect(await app.db.select().from(reservations).where(eq(reservations.accountId, a.accountId))).toHaveLength(0);

    // Honest: refused up to the last millisecond of the window; waiting Retry-After lets the next one through.
    const refusedAt = clock.t;
    clock.t = windowEnd() * 1000 - 1;
    expect((await apiError(chat(client))).status).toBe(429);
    clock.t = refusedAt + retryAfter * 1000;
    const { response } = await chat(client).withResponse();
    expect(rlHeaders(response.headers)).toEqual({ limit: String(limit), remaining: String(limit - 1), reset: String(windowEnd()) });
  });

  it("errors after authentication carry the three headers too: 400, 402 and 404", async () => {
    const a = await makeAccountWithKey(app.db, { tier: "elevated" });
    const client = sdkClient(a.secret);
    const limit = TIERS_BY_ID.elevated.requestsPerMinute;

    const bad = await apiError(client.chat.completions.create({ model: "local/echo-chat", messages: "nope" } as never));
    expect(bad.status).toBe(400);
    expect(rlHeaders(bad.headers!)).toEqual({ limit: String(limit), remaining: String(limit - 1), reset: String(windowEnd()) });

    const missing = await apiError(client.chat.completions.create({ model: "nobody/no-such-model", messages: [{ role: "user", content: "hi" }] }));
    expect(missing.status).toBe(404);
    expect(rlHeaders(missing.headers!)).toEqual({ limit: String(limit), remaining: String(limit - 2), reset: String(windowEnd()) });

    const ok = await chat(client).withResponse();
    expect(rlHeaders(ok.response.headers).remaining).toBe(String(limit - 3));
    const tooDear = await apiError(
      client.chat.completions.create(
        { model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 1000 },
        { headers: { "x-max-cost": "0.000001" } },
      ),
    );
    expect(tooDear.status).toBe(402);
    expect(rlHeaders(tooDear.headers!)).toEqual({ limit: String(limit), remaining: String(limit - 4), reset: String(windowEnd()) });

    const res = await appFetch("http://app.test/v1/models", { method: "GET", headers: { authorization: `Bearer ${a.secret}` } });
    expect(res.status).toBe(200);
    expect(rlHeaders(res.headers)).toEqual({ limit: String(limit), remaining: String(limit - 5), reset: String(windowEnd()) });
  });

  it("401 is answered before the key is known: x-request-id only, no rate-limit headers", async () => {
    for (const authorization of [undefined, "Bearer sk-mt-" + "x".repeat(40), "Bearer not-a-key"]) {
      const res = await appFetch("http://app.test/v1/models", { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get("x-request-id")).toMatch(/^req_/);
      expect(rlHeaders(res.headers)).toEqual({ limit: null, remaining: null, reset: null });
      expect((await res.json()).error.code).toBe("invalid_api_key");
    }
  });

  it("the 402 for missing credit is the body the docs page shows, with the headers", async () => {
    const model = getCatalog().get("local/echo-chat") as TextModel;
    const a = await makeAccountWithKey(app.db, { tier: "free" });
    const client = sdkClient(a.secret);
    const maxTokens = 4000;
    // Learn this message's input token count from a real request (the docs example takes it as input).
    const first = await chat(client, { max_tokens: 1 });
    const inputTokens = first.usage!.prompt_tokens;
    const example = await insufficientCreditExample({ model, origin: "http://app.test", inputTokens, maxTokens });
    expect(example.source).toBe("meter");
    // Bring the balance down to exactly the example's available credit.
    const bal = await readBalance(app.db, a.accountId);
    await postEntry(app.db, {
      accountId: a.accountId,
      kind: "adjustment",
      amountMicroUsd: example.availableMicroUsd - bal.availableMicroUsd,
      reference: `test-drain:${a.accountId}`,
      description: "test: set balance for the 402 example",
    });
    const usageBefore = await usageCount(a.accountId);
    const err = await apiError(chat(client, { max_tokens: maxTokens }));
    expect(err.status).toBe(402);
    expect(err.error).toEqual(example.body.error);
    expect(rlHeaders(err.headers!)).toEqual({ limit: "10", remaining: "8", reset: String(windowEnd()) });
    expect((await readBalance(app.db, a.accountId)).availableMicroUsd).toBe(example.availableMicroUsd);
    expect(await usageCount(a.accountId)).toBe(usageBefore);
  });

  it("a tier change applies to the very next request", async () => {
    const a = await makeAccountWithKey(app.db, { tier: "free" });
    const client = sdkClient(a.secret);
    for (let i = 0; i < TIERS_BY_ID.free.requestsPerMinute; i++) await chat(client);
    expect((await apiError(chat(client))).status).toBe(429);

    await setTier(app.db, a.accountId, "elevated");
    const { response } = await chat(client).withResponse();
    // Same window, same count (12th request, refused ones count): 60 - 12 left.
    expect(rlHeaders(response.headers)).toEqual({ limit: "60", remaining: "48", reset: String(windowEnd()) });

    await setTier(app.db, a.accountId, "free");
    const down = await apiError(chat(client));
    expect(down.status).toBe(429);
    expect(down.headers?.get(RATE_LIMIT_HEADERS.limit)).toBe("10");
  });

  it("two keys of one account are counted separately", async () => {
    const a = await makeAccountWithKey(app.db, { tier: "free" });
    const { createApiKey } = await import("@/lib/api-keys");
    const second = await createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: "second" });
    for (let i = 0; i < 10; i++) await chat(sdkClient(a.secret));
    expect((await apiError(chat(sdkClient(a.secret)))).status).toBe(429);
    const { response } = await chat(sdkClient(second.secret)).withResponse();
    expect(response.headers.get(RATE_LIMIT_HEADERS.remaining)).toBe("9");
  });
});
