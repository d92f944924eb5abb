import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { ledgerEntries } from "@/db/schema";
import { topUp } from "@/lib/billing";
import { postEntry, readBalance, readOwed } from "@/lib/ledger";
import { newId } from "@/lib/ids";
import { appFetch } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";
import { reversalsTestbed, USD } from "@/tests/helpers/reversals";

// Issue 13 item 8: charge.refunded and charge.dispute.created take the credit back, once,
// whatever the delivery (replayed, concurrent, out of order). If the credit was already
// spent the account is frozen: the API answers 402 saying why and how to resolve it, until
// a top-up pays back what is owed. End to end: the real stripe SDK refunds through the
// emulator, the emulator opens disputes and signs the events, the app's webhook handler
// moves the money on PostgreSQL (real concurrency).

const app = integrationApp();
const rv = reversalsTestbed(app);
const { heldIds, toppedUp, credits, expectAudited } = rv;
const w = () => rv.webhooks();

const reversals = (accountId: string) =>
  app.db
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.accountId, accountId)))
    .then((r) => r.filter((e) => e.kind === "refund" || e.kind === "dispute"));
async function openDispute(body: Record<string, string>) {
  const res = await fetch(`${rv.tb.emu.url}/_emulator/disputes`, {
    method: "POST",
    headers: { authorization: `Bearer ${rv.tb.emu.config.secretKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body).toString(),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; amount: number };
}

describe(`refunds and disputes on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("a refund of unspent credit debits it once, however often and however concurrently the event arrives", async () => {
    const a = await toppedUp(2000); // $10 free + $20
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(30n * USD);
    const refund = await rv.tb.stripe.refunds.create({ payment_intent: a.pi });
    expect(refund.amount).toBe(2000);
    const [evt] = heldIds("charge.refunded");
    const results = [...(await w().deliver(evt, { times: 3 })), ...(await w().deliver(evt, { times: 6, concurrent: true }))];
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10n * USD);
    expect((await reversals(a.accountId)).map((e) => e.amountMicroUsd)).toEqual([-20n * USD]);
    expect(await readOwed(app.db, a.accountId)).toBe(0n);
    expect((await credits(a.secret)).status).toBe(200); // not frozen
    await expectAudited(a.accountId);
  });

  it("partial refunds add up to the charge's running total, in any order and concurrently", async () => {
    const a = await toppedUp(3000);
    await rv.tb.stripe.refunds.create({ payment_intent: a.pi, amount: 500 });
    await rv.tb.stripe.refunds.create({ payment_intent: a.pi, amount: 700 });
    await rv.tb.stripe.refunds.create({ payment_intent: a.pi, amount: 300 });
    const events = heldIds("charge.refunded");
    expect(events).toHaveLength(3);
    // The last event (total $15) first, then the others at once, then all again.
    await w().deliver(events[2]);
    await Promise.all([w().deliver(events[0]), w().deliver(events[1])]);
    await Promise.all(events.map((e) => w().deliver(e, { times: 2, concurrent: true })));
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(40n * USD - 15n * USD);
    const sum = (await reversals(a.accountId)).reduce((s, e) => s - e.amountMicroUsd, 0n);
    expect(sum).toBe(15n * USD);
    await expectAudited(a.accountId);
  });

  it("a dispute debits the disputed amount once; with a refund before it, never more than the top-up credited", async () => {
    const a = await toppedUp(2500);
    await rv.tb.stripe.refunds.create({ payment_intent: a.pi, amount: 1000 });
    const dispute = await openDispute({ payment_intent: a.pi, amount: "2500" }); // the network takes the whole charge
    expect(dispute.amount).toBe(2500);
    await w().deliver(heldIds("charge.refunded")[0], { times: 3, concurrent: true });
    await w().deliver(heldIds("charge.dispute.created")[0], { times: 3, concurrent: true });
    // $25 credited: $10 refunded, the dispute can take only the other $15.
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10n * USD);
    expect((await reversals(a.accountId)).map((e) => [e.kind, e.amountMicroUsd]).sort()).toEqual(
      [
        ["dispute", -15n * USD],
        ["refund", -10n * USD],
      ].sort(),
    );
    await expectAudited(a.accountId);
  });

  it("spent credit: the account is frozen (402 saying why and how), and a top-up that pays the debt back unfreezes it", async () => {
    const a = await toppedUp(2000); // $30
    expect((await credits(a.secret)).status).toBe(200); // the key is now in the cache
    // Spend all but $3.
    await postEntry(app.db, { accountId: a.accountId, kind: "adjustment", amountMicroUsd: -27n * USD, reference: newId("evt"), description: "test spend" });
    await openDispute({ payment_intent: a.pi });
    await w().deliver(heldIds("charge.dispute.created")[0], { times: 4, concurrent: true });
    expect(await readBalance(app.db, a.accountId)).toMatchObject({ balanceMicroUsd: 0n });
    expect(await readOwed(app.db, a.accountId)).toBe(17n * USD);
    await expectAudited(a.accountId);

    const frozen = await credits(a.secret);
    expect(frozen.status).toBe(402);
    const body = (await frozen.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: "account_frozen", type: "insufficient_quota" });
    expect(body.error.message).toMatch(/frozen.*refunded or disputed.*\$17\.00 owed.*Add at least \$17\.00.*\/dashboard\/billing/);
    const chat = await appFetch("http://app.test/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${a.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/echo", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(402);

    // $10 pays back $10 of the $17: still frozen. Another $10: paid, unfrozen, $3 left.
    const first = await topUp(app.db, rv.tb.stripe, { accountId: a.accountId, amountCents: 1000, paymentMethodId: a.pm });
    expect(first.status).toBe("succeeded");
    expect(await readOwed(app.db, a.accountId)).toBe(7n * USD);
    expect((await credits(a.secret)).status).toBe(402);
    await topUp(app.db, rv.tb.stripe, { accountId: a.accountId, amountCents: 1000, paymentMethodId: a.pm });
    await w().deliverHeld({ times: 2 }); // the top-ups' webhooks, twice: no second pay-back
    expect(await readOwed(app.db, a.accountId)).toBe(0n);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(3n * USD);
    expect((await credits(a.secret)).status).toBe(200);
    const kinds = (await app.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, a.accountId))).map((e) => e.kind);
    expect(kinds.filter((k) => k === "recovery")).toHaveLength(2);
    await expectAudited(a.accountId);
  });

  it("whatever order a refund and a dispute of one top-up arrive in, together they take back exactly what it credited", async () => {
    const a = await toppedUp(2500);
    await rv.tb.stripe.refunds.create({ payment_intent: a.pi, amount: 1000 });
    await openDispute({ payment_intent: a.pi, amount: "2500" });
    const evts = [...heldIds("charge.refunded"), ...heldIds("charge.dispute.created")];
    await Promise.all(evts.map((e) => w().deliver(e, { times: 3, concurrent: true })));
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10n * USD);
    expect((await reversals(a.accountId)).reduce((s, e) => s - e.amountMicroUsd, 0n)).toBe(25n * USD);
    await expectAudited(a.accountId);
  });

  it("a refund event for a payment that is not one of our top-ups is acknowledged and moves nothing", async () => {
    const a = await toppedUp(1000);
    await rv.tb.stripe.refunds.create({ payment_intent: a.pi });
    const evt = rv.tb.emu.emulator.events.find((e) => e.type === "charge.refunded" && (e.data.object as { payment_intent: string }).payment_intent === a.pi)!;
    (evt.data.object as { payment_intent: string }).payment_intent = "pi_not_ours"; // another integration's payment
    const entries = (await app.db.select().from(ledgerEntries)).length;
    const [r] = await w().deliver(evt.id);
    expect(r.status).toBe(200);
    expect((await app.db.select().from(ledgerEntries)).length).toBe(entries);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(20n * USD);
  });
});
