import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { billingAccounts, ledgerEntries, payments } from "@/db/schema";
import { makeAccount } from "@/tests/helpers/accounts";
import { browserAuthenticate, browserConfirmSetup, CARDS, saveCard, startStripeTestbed, type StripeTestbed } from "@/tests/helpers/stripe";
import { auditAccount, readBalance, reserve, settle } from "@/lib/ledger";
import { BillingError, confirmTopUp, createSetupIntent, detachPaymentMethod, ensureCustomer, ledgerHistory, listPaymentMethods, topUp } from "@/lib/billing";
import { newId } from "@/lib/ids";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp();
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
const paymentIntentsFor = (customer: string) => [...tb.emu.emulator.paymentIntents.values()].filter((pi) => pi.customer === customer);

async function expectBillingError(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(BillingError);
  expect((err as BillingError).code).toBe(code);
  return err as BillingError;
}

describe(`top-ups on ${process.env.TEST_DB ?? "postgres"} against the Stripe emulator`, () => {
  it("creates one Stripe customer per account, even when asked concurrently", async () => {
    const { accountId } = await makeAccount(app.db);
    const ids = await Promise.all(Array.from({ length: 5 }, () => ensureCustomer(app.db, tb.stripe, accountId)));
    expect(new Set(ids).size).toBe(1);
    const matching = [...tb.emu.emulator.customers.values()].filter((c) => c.metadata.account_id === accountId);
    expect(matching).toHaveLength(1);
  });

  it("saves a card through a SetupIntent and lists it with brand, last 4 and expiry", async () => {
    const { accountId } = await makeAccount(app.db);
    expect(await listPaymentMethods(app.db, tb.stripe, accountId)).toEqual([]);
    const pm = await saveCard(app.db, tb, accountId, CARDS.visa);
    const cards = await listPaymentMethods(app.db, tb.stripe, accountId);
    expect(cards).toMatchObject([{ id: pm, brand: "visa", last4: "4242", expMonth: 12, expYear: 2034 }]);
  });

  it("tops up $5.00 with 4242…: credits exactly what Stripe received, once, and the account becomes Paid", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId);
    const before = (await readBalance(app.db, accountId)).balanceMicroUsd;
    const r = await topUp(app.db, tb.stripe, { accountId, amountCents: 500, paymentMethodId: pm });
    expect(r.status).toBe("succeeded");
    if (r.status !== "succeeded") return;
    expect(r.creditedMicroUsd).toBe(5_000_000n);
    expect(r.balanceMicroUsd).toBe(before + 5_000_000n);
    await tb.emu.emulator.webhooks.idle(); // the webhook arrives afterwards and is a no-op
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(before + 5_000_000n);
    const entries = await topups(accountId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ amountMicroUsd: 5_000_000n, reference: r.paymentIntentId });
    const [acct] = await app.db.select().from(billingAccounts).where(eq(billingAccounts.id, accountId));
    expect(acct.tier).toBe("paid");
    const [pay] = await app.db.select().from(payments).where(eq(payments.paymentIntentId, r.paymentIntentId));
    expect(pay).toMatchObject({ status: "succeeded", amountReceivedMicroUsd: 5_000_000n, source: "manual" });
    expect((await auditAccount(app.db, accountId)).ok).toBe(true);
  });

  it("refuses $4.99, fractions of a cent and more than the maximum before calling Stripe", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId);
    const customer = await ensureCustomer(app.db, tb.stripe, accountId);
    await expectBillingError(topUp(app.db, tb.stripe, { accountId, amountCents: 499, paymentMethodId: pm }), "amount_too_small");
    await expectBillingError(topUp(app.db, tb.stripe, { accountId, amountCents: 500.5, paymentMethodId: pm }), "invalid_amount");
    await expectBillingError(topUp(app.db, tb.stripe, { accountId, amountCents: 1_000_001, paymentMethodId: pm }), "amount_too_large");
    expect(paymentIntentsFor(customer)).toHaveLength(0);
    expect(await topups(accountId)).toHaveLength(0);
  });

  it("a card declined at setup (4000 0000 0000 0002) is not saved", async () => {
    const { accountId } = await makeAccount(app.db);
    const { clientSecret } = await createSetupIntent(app.db, tb.stripe, { accountId });
    const r = await browserConfirmSetup(tb, clientSecret, CARDS.declined);
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({ type: "card_error", code: "card_declined", decline_code: "generic_decline" });
    expect(await listPaymentMethods(app.db, tb.stripe, accountId)).toEqual([]);
  });

  it("a declined charge credits nothing and says so", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId, CARDS.declineOnCharge);
    const before = await readBalance(app.db, accountId);
    const err = await expectBillingError(topUp(app.db, tb.stripe, { accountId, amountCents: 2000, paymentMethodId: pm }), "card_declined");
    expect(err.message).toMatch(/declined/i);
    expect(err.status).toBe(402);
    await tb.emu.emulator.webhooks.idle();
    expect(await readBalance(app.db, accountId)).toEqual(before);
    expect(await topups(accountId)).toHaveLength(0);
    const [pay] = await app.db.select().from(payments).where(eq(payments.accountId, accountId));
    expect(pay).toMatchObject({ status: "failed", failureCode: "generic_decline" });
    const [acct] = await app.db.select().from(billingAccounts).where(eq(billingAccounts.id, accountId));
    expect(acct.tier).toBe("free");
  });

  it("a 3-D Secure card needs the user: requires_action, then credited only after authentication", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId, CARDS.authUnlessSetup);
    const before = (await readBalance(app.db, accountId)).balanceMicroUsd;
    const r = await topUp(app.db, tb.stripe, { accountId, amountCents: 1000, paymentMethodId: pm });
    expect(r.status).toBe("requires_action");
    if (r.status !== "requires_action") return;
    expect(r.clientSecret).toMatch(/^pi_.+_secret_/);
    expect(await topups(accountId)).toHaveLength(0);
    // Coming back before authenticating changes nothing.
    expect((await confirmTopUp(app.db, tb.stripe, { accountId, paymentIntentId: r.paymentIntentId })).status).toBe("requires_action");
    expect((await browserAuthenticate(tb, r.clientSecret, "complete")).body.status).toBe("succeeded");
    const done = await confirmTopUp(app.db, tb.stripe, { accountId, paymentIntentId: r.paymentIntentId });
    expect(done).toMatchObject({ status: "succeeded", creditedMicroUsd: 10_000_000n, balanceMicroUsd: before + 10_000_000n });
  });

  it("a failed 3-D Secure challenge credits nothing and tells the user", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId, CARDS.authAlways);
    const r = await topUp(app.db, tb.stripe, { accountId, amountCents: 1000, paymentMethodId: pm });
    if (r.status !== "requires_action") throw new Error("expected requires_action");
    await browserAuthenticate(tb, r.clientSecret, "fail");
    await expectBillingError(confirmTopUp(app.db, tb.stripe, { accountId, paymentIntentId: r.paymentIntentId }), "authentication_failed");
    expect(await topups(accountId)).toHaveLength(0);
  });

  it("only touches the account's own cards and payments", async () => {
    const a = await makeAccount(app.db);
    const b = await makeAccount(app.db);
    const pmA = await saveCard(app.db, tb, a.accountId);
    await saveCard(app.db, tb, b.accountId);
    await expectBillingError(topUp(app.db, tb.stripe, { accountId: b.accountId, amountCents: 500, paymentMethodId: pmA }), "payment_method_not_found");
    await expectBillingError(detachPaymentMethod(app.db, tb.stripe, { accountId: b.accountId, paymentMethodId: pmA }), "payment_method_not_found");
    const r = await topUp(app.db, tb.stripe, { accountId: a.accountId, amountCents: 500, paymentMethodId: pmA });
    await expectBillingError(confirmTopUp(app.db, tb.stripe, { accountId: b.accountId, paymentIntentId: r.paymentIntentId }), "payment_not_found");
    await expectBillingError(confirmTopUp(app.db, tb.stripe, { accountId: b.accountId, paymentIntentId: "pi_doesnotexist" }), "payment_not_found");
    expect(await topups(b.accountId)).toHaveLength(0);
    await detachPaymentMethod(app.db, tb.stripe, { accountId: a.accountId, paymentMethodId: pmA });
    expect(await listPaymentMethods(app.db, tb.stripe, a.accountId)).toEqual([]);
  });

  it("a lost response is retried with the same idempotency key: one PaymentIntent, one credit", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId);
    const customer = await ensureCustomer(app.db, tb.stripe, accountId);
    tb.emu.failNextRequests({ when: "after", pathPrefix: "/v1/payment_intents" });
    const r = await topUp(app.db, tb.stripe, { accountId, amountCents: 700, paymentMethodId: pm, requestKey: "click-1" });
    expect(r.status).toBe("succeeded");
    // The same click submitted again (double submit) is the same payment too.
    await topUp(app.db, tb.stripe, { accountId, amountCents: 700, paymentMethodId: pm, requestKey: "click-1" });
    expect(paymentIntentsFor(customer)).toHaveLength(1);
    expect((await topups(accountId)).map((e) => e.amountMicroUsd)).toEqual([7_000_000n]);
  });

  it("when Stripe cannot be reached the user is told and nothing is credited", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId);
    tb.emu.failNextRequests({ when: "before", count: 3, pathPrefix: "/v1/payment_intents" });
    const err = await expectBillingError(topUp(app.db, tb.stripe, { accountId, amountCents: 500, paymentMethodId: pm }), "stripe_unavailable");
    expect(err.status).toBe(503);
    expect(await topups(accountId)).toHaveLength(0);
  });

  it("history shows grants and top-ups one per line, usage per day, with the running balance", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId);
    for (const cost of [1_000_000n, 500_000n]) {
      const requestId = newId("req");
      await reserve(app.db, { accountId, requestId, amountMicroUsd: cost });
      await settle(app.db, { requestId, actualMicroUsd: cost });
    }
    await topUp(app.db, tb.stripe, { accountId, amountCents: 500, paymentMethodId: pm });
    const requestId = newId("req");
    await reserve(app.db, { accountId, requestId, amountMicroUsd: 250_000n });
    await settle(app.db, { requestId, actualMicroUsd: 250_000n });
    const h = await ledgerHistory(app.db, accountId);
    expect(h.map((r) => [r.kind, r.amountMicroUsd, r.balanceAfterMicroUsd, r.entries])).toEqual([
      ["usage", -250_000n, 13_250_000n, 1],
      ["topup", 5_000_000n, 13_500_000n, 1],
      ["usage", -1_500_000n, 8_500_000n, 2],
      ["grant", 10_000_000n, 10_000_000n, 1],
    ]);
  });
});
