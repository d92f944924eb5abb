import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { setTier } from "@/lib/accounts";
import { createApiKey } from "@/lib/api-keys";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { reverseCredit } from "@/lib/ledger";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { startServer, TEST_DIST_DIR, type RunningServer } from "@/tests/helpers/server";
import { emulatorAppEnv, startStripeTestbed, type StripeTestbed } from "@/tests/helpers/stripe";
import { actionIds, makeUser, WebSession } from "@/tests/helpers/web-session";

// Issue 13 item 8 on the built app (emulator opted in, as `npm start` does): the billing
// actions enforce the velocity limits; a frozen account sees the banner with how to
// resolve it on every dashboard page, and its API keys get the 402 saying why; the app
// warns at start that payments are fake.

let t: TestDb;
let tb: StripeTestbed;
let server: RunningServer;

beforeAll(async () => {
  t = await createTestDb();
  tb = await startStripeTestbed(t.db);
  server = await startServer({
    DATABASE_URL: t.url!,
    AUTH_SECRET: "payments-guard-secret-payments-guard-secret-01",
    ...emulatorAppEnv(tb),
    CARD_SETUP_LIMIT_PER_HOUR: "2",
    TOPUP_LIMIT_PER_HOUR: "3",
  });
});

afterAll(async () => {
  await server?.stop();
  await tb?.close();
  await t?.drop();
});

async function signedIn(tag: string) {
  const u = await makeUser(t.db, tag);
  const web = new WebSession(server.url);
  expect(await web.signIn(u.email)).toBe(true);
  return { ...u, web };
}

describe("payments guarded", () => {
  it("warns loudly at start that the emulator runs in production", () => {
    expect(server.output()).toContain("PAYMENTS ARE FAKE");
  });

  it("card set-ups and top-ups are limited per account (velocity), with a clear message", async () => {
    const ids = actionIds(TEST_DIST_DIR);
    const a = await signedIn("velocity");
    const setups = [];
    for (let i = 0; i < 3; i++) setups.push(await a.web.action("/dashboard/billing", ids.createSetupIntentAction, []));
    expect(setups[0].text).toContain('"ok":true');
    expect(setups[1].text).toContain('"ok":true');
    expect(setups[2].text).toContain('"code":"too_many_attempts"');
    expect(setups[2].text).toContain("at most 2 per hour");
    const tops = [];
    for (let i = 0; i < 4; i++)
      tops.push(await a.web.action("/dashboard/billing", ids.topUpAction, [{ amount: "10", paymentMethodId: "pm_missing", requestKey: `velocity-${i}-0000` }]));
    // The first three are counted (and fail: no such card); the fourth is not even tried.
    expect(tops.slice(0, 3).every((r) => !r.text.includes("too_many_attempts"))).toBe(true);
    expect(tops[3].text).toContain('"code":"too_many_attempts"');
  });

  it("a frozen account: banner on the dashboard with the amount owed and how to resolve; 402 account_frozen on the API", async () => {
    const a = await signedIn("frozen");
    await setTier(t.db, a.accountId, "paid"); // room for a few polls under the per-key rate limit
    const key = await createApiKey(t.db, { accountId: a.accountId, userId: a.userId, name: "frozen" });
    expect((await fetch(`${server.url}/v1/credits`, { headers: { authorization: `Bearer ${key.secret}` } })).status).toBe(200);
    // A $25 top-up disputed after it was spent, only the free $10 left: disputes take back paid
    // credit only (the promotional $10 stays, with its expiry), so the whole $25 is owed.
    await reverseCredit(t.db, {
      accountId: a.accountId,
      kind: "dispute",
      paymentIntentId: "pi_test_frozen",
      creditedMicroUsd: 25_000_000n,
      amount: { exactMicroUsd: 25_000_000n },
      reference: "dispute:dp_test_frozen",
      description: "test dispute",
    });
    for (const p of ["/dashboard", "/dashboard/billing"]) {
      const html = await (await a.web.fetch(p)).text();
      expect(html, p).toContain('data-testid="frozen-banner"');
      expect(html, p).toMatch(/\$25\.00/);
      expect(html, p).toContain("add at least");
    }
    // As the webhook path does: every instance drops its cached lookups for the account
    // (NOTIFY, heard by the server's LISTEN connection).
    await notifyKeyChange(t.db, { accountId: a.accountId });
    const res = await vi.waitFor(
      async () => {
        const r = await fetch(`${server.url}/v1/credits`, { headers: { authorization: `Bearer ${key.secret}` } });
        if (r.status !== 402) throw new Error(`not frozen yet (${r.status})`);
        return r;
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(res.status).toBe(402);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("account_frozen");
    expect(body.error.message).toContain(`${server.url}/dashboard/billing`);
  });
});
