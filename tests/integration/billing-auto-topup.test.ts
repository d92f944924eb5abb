import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { ledgerEntries } from "@/db/schema";
import { makeAccount } from "@/tests/helpers/accounts";
import { CARDS, saveCard, startStripeTestbed, type StripeTestbed } from "@/tests/helpers/stripe";
import { auditAccount, readBalance, reserve, settle } from "@/lib/ledger";
import { BillingError, ensureCustomer, getAutoTopUp, maybeAutoTopUp, setAutoTopUp } from "@/lib/billing";
import { newId } from "@/lib/ids";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp({ maxConnections: 30 });
let tb: StripeTestbed;
beforeAll(async () => {
  tb = await startStripeTestbed(app.db);
});
afterAll(async () => {
  await tb?.close();
});

const topups = (accountId: string) =>
  app.db
    .select()
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountId, accountId))
    .then((r) => r.filter((e) => e.kind === "topup"));
const autoIntents = (customer: string) =>
  [...tb.emu.emulator.paymentIntents.values()].filter((pi) => pi.customer === customer && pi.metadata.kind === "auto_topup");

/** One API request's money path: reserve, settle, then the auto top-up check the API runs after settle. */
async function request(accountId: string, costMicroUsd: bigint) {
  const requestId = newId("req");
  await reserve(app.db, { accountId, requestId, amountMicroUsd: costMicroUsd });
  await settle(app.db, { requestId, actualMicroUsd: costMicroUsd });
  return maybeAutoTopUp(app.db, tb.stripe, accountId);
}

describe(`auto top-up on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("cannot be turned on without a saved card, and validates its amounts", async () => {
    const { accountId } = await makeAccount(app.db);
    await expect(setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 1000 })).rejects.toMatchObject({
      code: "no_payment_method",
    });
    await saveCard(app.db, tb, accountId);
    await expect(setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 499 })).rejects.toBeInstanceOf(BillingError);
    await expect(setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: -1, amountCents: 1000 })).rejects.toBeInstanceOf(BillingError);
    const s = await setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 1000 });
    expect(s).toMatchObject({ enabled: true, thresholdMicroUsd: 5_000_000n, amountMicroUsd: 10_000_000n });
  });

  it("does nothing while the balance is at or above the threshold", async () => {
    const { accountId } = await makeAccount(app.db);
    await saveCard(app.db, tb, accountId);
    await setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 1000 });
    expect(await request(accountId, 5_000_000n)).toEqual({ fired: false }); // exactly $5.00 left
    expect(await topups(accountId)).toHaveLength(0);
  });

  it("charges once when 50 concurrent settles cross the threshold", async () => {
    const { accountId } = await makeAccount(app.db); // $10.00
    await saveCard(app.db, tb, accountId);
    const customer = await ensureCustomer(app.db, tb.stripe, accountId);
    await setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 1000 });
    // 50 × $0.15 = $7.50 spent: the balance crosses $5.00 once and, after one $10 top-up,
    // can never cross again, so any second charge would be a double charge.
    const results = await Promise.all(Array.from({ length: 50 }, () => request(accountId, 150_000n)));
    await tb.emu.emulator.webhooks.idle();
    expect(results.filter((r) => r.fired)).toHaveLength(1);
    expect(results.find((r) => r.fired)).toMatchObject({ outcome: "succeeded" });
    expect(autoIntents(customer)).toHaveLength(1);
    expect((await topups(accountId)).map((e) => e.amountMicroUsd)).toEqual([10_000_000n]);
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(10_000_000n - 7_500_000n + 10_000_000n);
    expect((await auditAccount(app.db, accountId)).ok).toBe(true);
    expect(await getAutoTopUp(app.db, accountId)).toMatchObject({ enabled: true, inFlight: false, lastOutcome: "succeeded" });
  });

  it("fires again on the next crossing", async () => {
    const { accountId } = await makeAccount(app.db);
    await saveCard(app.db, tb, accountId);
    await setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 500 });
    expect((await request(accountId, 6_000_000n)).fired).toBe(true); // 4.00 → 9.00
    expect((await request(accountId, 1_000_000n)).fired).toBe(false); // 8.00
    expect((await request(accountId, 4_000_000n)).fired).toBe(true); // 4.00 → 9.00
    expect(await topups(accountId)).toHaveLength(2);
  });

  it("a card that needs authentication off-session turns auto top-up off and says why", async () => {
    const { accountId } = await makeAccount(app.db);
    await saveCard(app.db, tb, accountId, CARDS.authAlways);
    await setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 1000 });
    const r = await request(accountId, 6_000_000n);
    expect(r).toMatchObject({ fired: true, outcome: "authentication_required" });
    const s = await getAutoTopUp(app.db, accountId);
    expect(s).toMatchObject({ enabled: false, inFlight: false, lastOutcome: "authentication_required" });
    expect(s!.lastMessage).toMatch(/confirm/i);
    expect(await topups(accountId)).toHaveLength(0);
    // Off means off: the next request below the threshold does not retry blindly.
    expect((await request(accountId, 100_000n)).fired).toBe(false);
  });

  it("a declined card turns auto top-up off and credits nothing", async () => {
    const { accountId } = await makeAccount(app.db);
    await saveCard(app.db, tb, accountId, CARDS.declineOnCharge);
    await setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 1000 });
    expect(await request(accountId, 6_000_000n)).toMatchObject({ fired: true, outcome: "declined" });
    expect(await getAutoTopUp(app.db, accountId)).toMatchObject({ enabled: false, lastOutcome: "declined" });
    expect(await topups(accountId)).toHaveLength(0);
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(4_000_000n);
  });

  it("a card set up with 3-D Secure (4000 0025 0000 3155) pays off-session without the user", async () => {
    const { accountId } = await makeAccount(app.db);
    await saveCard(app.db, tb, accountId, CARDS.authUnlessSetup);
    await setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 1000 });
    expect(await request(accountId, 6_000_000n)).toMatchObject({ fired: true, outcome: "succeeded" });
  });

  it("when Stripe is unreachable it stays on, reports the error, and never throws into the API path", async () => {
    const { accountId } = await makeAccount(app.db);
    await saveCard(app.db, tb, accountId);
    await setAutoTopUp(app.db, tb.stripe, { accountId, enabled: true, thresholdCents: 500, amountCents: 1000 });
    tb.emu.failNextRequests({ when: "before", count: 3, pathPrefix: "/v1/payment_intents" });
    expect(await request(accountId, 6_000_000n)).toMatchObject({ fired: true, outcome: "error" });
    expect(await getAutoTopUp(app.db, accountId)).toMatchObject({ enabled: true, inFlight: false, lastOutcome: "error" });
    // Backs off instead of hammering Stripe on every request.
    expect((await request(accountId, 100_000n)).fired).toBe(false);
  });
});
