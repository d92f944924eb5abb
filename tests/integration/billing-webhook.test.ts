import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { ledgerEntries, payments, stripeEvents } from "@/db/schema";
import { makeAccount } from "@/tests/helpers/accounts";
import { browserAuthenticate, browserCall, CARDS, saveCard, startStripeTestbed, type StripeTestbed } from "@/tests/helpers/stripe";
import { auditAccount, readBalance } from "@/lib/ledger";
import { confirmTopUp, topUp } from "@/lib/billing";
import { signPayload } from "@/devtools/stripe-emulator/webhooks";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp();
let tb: StripeTestbed;
beforeAll(async () => {
  tb = await startStripeTestbed(app.db);
  // A switchable fault inside the crediting transaction: a trigger that fails ledger inserts
  // for marked references, as a database error in the middle of the credit would.
  await app.db.execute(sql`create table test_fail_refs (reference text primary key)`);
  await app.db.execute(sql`create function test_fail_marked() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from test_fail_refs where reference = new.reference) then
        raise exception 'simulated database failure for %', new.reference;
      end if;
      return new;
    end $$`);
  await app.db.execute(sql`create trigger test_fail_marked before insert on ledger_entries for each row execute function test_fail_marked()`);
});
afterAll(async () => {
  await tb?.close();
});
beforeEach(() => {
  tb.emu.emulator.webhooks.mode = "hold";
  tb.emu.emulator.webhooks.held = [];
});

const w = () => tb.emu.emulator.webhooks;
const topupEntries = (accountId: string) =>
  app.db
    .select()
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountId, accountId))
    .then((r) => r.filter((e) => e.kind === "topup"));
const heldOf = (type: string, piId: string) => w().held.filter((e) => e.type === type && (e.data.object as { id: string }).id === piId);

function post(body: string, headers: Record<string, string>) {
  return fetch(tb.webhookUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

/** A 3-D Secure top-up the browser has authenticated but not yet reported back: the race the webhook exists for. */
async function authenticatedTopUp(amountCents: number) {
  const { accountId } = await makeAccount(app.db);
  const pm = await saveCard(app.db, tb, accountId, CARDS.authUnlessSetup);
  const r = await topUp(app.db, tb.stripe, { accountId, amountCents, paymentMethodId: pm });
  if (r.status !== "requires_action") throw new Error(`expected requires_action, got ${r.status}`);
  expect((await browserAuthenticate(tb, r.clientSecret, "complete")).body.status).toBe("succeeded");
  const before = (await readBalance(app.db, accountId)).balanceMicroUsd;
  return { accountId, pi: r.paymentIntentId, clientSecret: r.clientSecret, before };
}

describe(`Stripe webhook on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("refuses a missing or wrong signature with 400", async () => {
    const body = JSON.stringify({ id: "evt_x", object: "event", type: "payment_intent.succeeded", data: { object: {} } });
    expect((await post(body, {})).status).toBe(400);
    expect((await post(body, { "stripe-signature": signPayload(body, "whsec_not_the_secret") })).status).toBe(400);
    // Signed correctly, then tampered with.
    const sig = signPayload(body, tb.webhookSecret);
    expect((await post(body.replace("evt_x", "evt_y"), { "stripe-signature": sig })).status).toBe(400);
  });

  it("refuses a correctly signed but stale event with 400 (replay protection)", async () => {
    const body = JSON.stringify({ id: "evt_old", object: "event", type: "customer.created", data: { object: { id: "cus_1" } } });
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    expect((await post(body, { "stripe-signature": signPayload(body, tb.webhookSecret, tenMinutesAgo) })).status).toBe(400);
  });

  it("answers 200 to event types it does not handle", async () => {
    const body = JSON.stringify({ id: "evt_unknown", object: "event", type: "invoice.paid", data: { object: { id: "in_1" } } });
    const res = await post(body, { "stripe-signature": tb.stripe.webhooks.generateTestHeaderString({ payload: body, secret: tb.webhookSecret }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: true, ignored: "invoice.paid" });
  });

  it("webhook before the browser returns: credited once by the webhook, the browser's confirmation is a no-op", async () => {
    const { accountId, pi, before } = await authenticatedTopUp(1500);
    const [succeeded] = heldOf("payment_intent.succeeded", pi);
    expect((await w().deliver(succeeded.id))[0].status).toBe(200);
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(before + 15_000_000n);
    const r = await confirmTopUp(app.db, tb.stripe, { accountId, paymentIntentId: pi });
    expect(r).toMatchObject({ status: "succeeded", balanceMicroUsd: before + 15_000_000n });
    expect(await topupEntries(accountId)).toHaveLength(1);
  });

  it("webhook after the browser returned: credited once by the browser path, the webhook is a no-op", async () => {
    const { accountId, pi, before } = await authenticatedTopUp(1500);
    await confirmTopUp(app.db, tb.stripe, { accountId, paymentIntentId: pi });
    const [succeeded] = heldOf("payment_intent.succeeded", pi);
    expect((await w().deliver(succeeded.id))[0].status).toBe(200);
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(before + 15_000_000n);
    expect(await topupEntries(accountId)).toHaveLength(1);
  });

  it("the same event delivered several times, also concurrently, credits once", async () => {
    const { accountId, pi, before } = await authenticatedTopUp(2500);
    const [succeeded] = heldOf("payment_intent.succeeded", pi);
    const results = [...(await w().deliver(succeeded.id, { times: 5, concurrent: true })), ...(await w().deliver(succeeded.id, { times: 2 }))];
    expect(results.map((r) => r.status)).toEqual(Array(7).fill(200));
    // And a browser confirmation racing the deliveries.
    await Promise.all([confirmTopUp(app.db, tb.stripe, { accountId, paymentIntentId: pi }), w().deliver(succeeded.id, { times: 2, concurrent: true })]);
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(before + 25_000_000n);
    expect((await topupEntries(accountId)).map((e) => e.amountMicroUsd)).toEqual([25_000_000n]);
    expect((await auditAccount(app.db, accountId)).ok).toBe(true);
  });

  it("out of order: success arriving before an earlier failure is credited, and the failure does not undo it", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId, CARDS.authUnlessSetup);
    const before = (await readBalance(app.db, accountId)).balanceMicroUsd;
    const r = await topUp(app.db, tb.stripe, { accountId, amountCents: 800, paymentMethodId: pm });
    if (r.status !== "requires_action") throw new Error("expected requires_action");
    await browserAuthenticate(tb, r.clientSecret, "fail"); // payment_intent.payment_failed
    // The user tries again on the same PaymentIntent and passes this time.
    const again = await browserCall(tb, `/v1/payment_intents/${r.paymentIntentId}/confirm`, { client_secret: r.clientSecret, payment_method: pm });
    expect(again.body.status).toBe("requires_action");
    await browserAuthenticate(tb, r.clientSecret, "complete"); // payment_intent.succeeded
    w().held = w().held.filter((e) => (e.data.object as { id: string }).id === r.paymentIntentId);
    expect(w().held.map((e) => e.type)).toEqual([
      "payment_intent.created",
      "payment_intent.requires_action",
      "payment_intent.payment_failed",
      "payment_intent.requires_action",
      "payment_intent.succeeded",
    ]);
    const results = await w().deliverHeld({ order: "reverse" });
    expect(results.map((x) => [x.type, x.status])).toEqual([
      ["payment_intent.succeeded", 200],
      ["payment_intent.requires_action", 200],
      ["payment_intent.payment_failed", 200],
      ["payment_intent.requires_action", 200],
      ["payment_intent.created", 200],
    ]);
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(before + 8_000_000n);
    const [pay] = await app.db.select().from(payments).where(eq(payments.paymentIntentId, r.paymentIntentId));
    expect(pay.status).toBe("succeeded");
    expect(await topupEntries(accountId)).toHaveLength(1);
  });

  it("a webhook whose crediting failed is not marked handled, and is credited on redelivery", async () => {
    const { accountId, pi, before } = await authenticatedTopUp(1200);
    const [succeeded] = heldOf("payment_intent.succeeded", pi);
    await app.db.execute(sql`insert into test_fail_refs values (${pi})`);
    expect((await w().deliver(succeeded.id))[0].status).toBe(500);
    expect(await app.db.select().from(stripeEvents).where(eq(stripeEvents.id, succeeded.id))).toHaveLength(0);
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(before);
    await app.db.execute(sql`delete from test_fail_refs`);
    expect((await w().deliver(succeeded.id))[0].status).toBe(200); // Stripe's retry
    expect(await app.db.select().from(stripeEvents).where(eq(stripeEvents.id, succeeded.id))).toHaveLength(1);
    expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(before + 12_000_000n);
    expect((await w().deliver(succeeded.id))[0].status).toBe(200);
    expect(await topupEntries(accountId)).toHaveLength(1);
  });

  it("a payment_failed webhook records the failure and credits nothing", async () => {
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId, CARDS.declineOnCharge);
    await topUp(app.db, tb.stripe, { accountId, amountCents: 500, paymentMethodId: pm }).catch(() => {});
    const before = await readBalance(app.db, accountId);
    const results = await w().deliverHeld({ types: ["payment_intent.payment_failed"] });
    expect(results.map((x) => x.status)).toContain(200);
    expect(await readBalance(app.db, accountId)).toEqual(before);
    const [pay] = await app.db.select().from(payments).where(eq(payments.accountId, accountId));
    expect(pay).toMatchObject({ status: "failed", failureCode: "generic_decline" });
  });

  it("every event the emulator sends in immediate mode verifies with the real SDK", async () => {
    w().mode = "immediate";
    const { accountId } = await makeAccount(app.db);
    const pm = await saveCard(app.db, tb, accountId);
    await topUp(app.db, tb.stripe, { accountId, amountCents: 500, paymentMethodId: pm });
    await w().idle();
    const mine = w().deliveries.slice(-6);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((d) => d.status === 200)).toBe(true);
    expect(await topupEntries(accountId)).toHaveLength(1);
  });
});
