import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { ledgerEntries, stripeEvents } from "@/db/schema";
import { topUp } from "@/lib/billing";
import { postEntry, readBalance, readOwed, reinstateCredit, reversedForTopUp } from "@/lib/ledger";
import { newId } from "@/lib/ids";
import { integrationApp } from "@/tests/helpers/fixture";
import { reversalsTestbed, USD } from "@/tests/helpers/reversals";

// A dispute the merchant wins brings the money back, so the user gets back what the dispute
// took: charge.dispute.closed (status won) and charge.dispute.funds_reinstated, whichever
// comes first, once per dispute. What the account owed because of it is cancelled first
// (unfreezing it), the rest is credited; the user ends exactly as if the dispute had never
// been applied. A lost dispute moves nothing. End to end: the emulator opens and closes the
// disputes and signs the events, the app's webhook handler moves the money on PostgreSQL.

const app = integrationApp();
const rv = reversalsTestbed(app);
const { heldIds, toppedUp, credits, expectAudited, control } = rv;
const w = () => rv.webhooks();

const entries = (accountId: string) => app.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId)).orderBy(ledgerEntries.id);
const spend = (accountId: string, micro: bigint) =>
  postEntry(app.db, { accountId, kind: "adjustment", amountMicroUsd: -micro, reference: newId("evt"), description: "test spend" });

/** What the balance would be had the dispute never been applied: every entry but the dispute's and the recoveries of its debt. */
async function balanceWithoutDispute(accountId: string) {
  return (await entries(accountId)).filter((e) => e.kind !== "dispute" && e.kind !== "recovery").reduce((s, e) => s + e.amountMicroUsd, 0n);
}

/** Opens a dispute on the top-up and delivers charge.dispute.created (the credit is taken back). */
async function disputed(pi: string, opts: { deliver?: boolean; inquiry?: boolean } = {}) {
  const res = await control("/_emulator/disputes", { payment_intent: pi, ...(opts.inquiry ? { inquiry: "true" } : {}) });
  expect(res.status).toBe(200);
  const dispute = (await res.json()) as { id: string; amount: number };
  const [created] = heldIds("charge.dispute.created");
  if (opts.deliver !== false) await w().deliver(created);
  w().held = [];
  return dispute;
}

async function closeDispute(id: string, outcome: "won" | "lost" | "warning_closed") {
  const res = await control(`/_emulator/disputes/${id}/close`, { outcome });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { id: string; status: string };
  expect(body).toMatchObject({ id, status: outcome });
  return { closed: heldIds("charge.dispute.closed"), reinstated: heldIds("charge.dispute.funds_reinstated") };
}

const reinstatements = async (accountId: string) => (await entries(accountId)).filter((e) => e.reference.startsWith("dispute_won:"));

describe(`disputes won and lost on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("unspent credit: a won dispute puts the balance back exactly where it was, and nets the dispute out of the top-up's reversals", async () => {
    const a = await toppedUp(2000); // $10 free + $20
    const before = (await readBalance(app.db, a.accountId)).balanceMicroUsd;
    expect(before).toBe(30n * USD);
    const dispute = await disputed(a.pi);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10n * USD);
    expect(await reversedForTopUp(app.db, a.accountId, a.pi)).toBe(20n * USD);

    const { closed, reinstated } = await closeDispute(dispute.id, "won");
    expect(closed).toHaveLength(1);
    expect(reinstated).toHaveLength(1); // Stripe sends both on a win
    const results = [...(await w().deliver(closed[0])), ...(await w().deliver(reinstated[0]))];
    expect(results.map((r) => r.status)).toEqual([200, 200]);

    expect(await readBalance(app.db, a.accountId)).toMatchObject({ balanceMicroUsd: before });
    expect(await readOwed(app.db, a.accountId)).toBe(0n);
    const [entry, ...more] = await reinstatements(a.accountId);
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({ kind: "dispute", amountMicroUsd: 20n * USD, balanceAfterMicroUsd: before, reference: `dispute_won:${dispute.id}` });
    expect(entry.description).toBe("Dispute won: $20.00 given back");
    expect(entry.metadata).toMatchObject({
      reinstates: `dispute:${dispute.id}`,
      payment_intent: a.pi,
      reinstated_micro_usd: String(20n * USD),
      unowed_micro_usd: "0",
      credited_micro_usd: String(20n * USD),
      reversed_micro_usd: String(-20n * USD),
    });
    // A later refund of the same top-up could again take back all of it.
    expect(await reversedForTopUp(app.db, a.accountId, a.pi)).toBe(0n);
    expect((await credits(a.secret)).status).toBe(200);
    await expectAudited(a.accountId);
  });

  it("spent credit: a won dispute cancels what was owed and unfreezes the account (the API no longer answers 402 account_frozen)", async () => {
    const a = await toppedUp(2000); // $30
    expect((await credits(a.secret)).status).toBe(200); // the key is now in the cache
    await spend(a.accountId, 27n * USD); // $3 left
    const dispute = await disputed(a.pi);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(0n);
    expect(await readOwed(app.db, a.accountId)).toBe(17n * USD);
    const frozen = await credits(a.secret);
    expect(frozen.status).toBe(402);
    expect(((await frozen.json()) as { error: { code: string } }).error.code).toBe("account_frozen");

    const { closed } = await closeDispute(dispute.id, "won");
    const [r] = await w().deliver(closed[0]);
    expect(r.status).toBe(200);
    expect(await readOwed(app.db, a.accountId)).toBe(0n);
    // The $3 the dispute debited comes back to the balance; the $17 it left owed is cancelled.
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(3n * USD);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(await balanceWithoutDispute(a.accountId));
    const [entry] = await reinstatements(a.accountId);
    expect(entry).toMatchObject({ amountMicroUsd: 3n * USD, balanceAfterMicroUsd: 3n * USD });
    expect(entry.description).toBe("Dispute won: $20.00 given back ($17.00 of it cancels what was owed)");
    expect(entry.metadata).toMatchObject({ unowed_micro_usd: String(17n * USD), credited_micro_usd: String(3n * USD), owed_after_micro_usd: "0" });
    // The cached key lookup was dropped (key-change notification at commit): served again.
    expect((await credits(a.secret)).status).toBe(200);
    await expectAudited(a.accountId);
  });

  it("debt partly paid back by a top-up, then won: the user ends exactly as if never disputed (the recovered part comes back as credit)", async () => {
    const a = await toppedUp(2000); // $30
    await spend(a.accountId, 27n * USD); // $3 left
    const dispute = await disputed(a.pi); // $3 debited, $17 owed
    const later = await topUp(app.db, rv.tb.stripe, { accountId: a.accountId, amountCents: 1000, paymentMethodId: a.pm });
    expect(later.status).toBe("succeeded");
    await w().deliverHeld();
    w().held = [];
    // The $10 top-up paid $10 of the $17 back: $7 still owed, balance 0.
    expect(await readOwed(app.db, a.accountId)).toBe(7n * USD);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(0n);
    expect((await credits(a.secret)).status).toBe(402);

    const { closed, reinstated } = await closeDispute(dispute.id, "won");
    // funds_reinstated first this time: either event reinstates, the other is a no-op.
    await w().deliver(reinstated[0]);
    await w().deliver(closed[0]);
    expect(await readOwed(app.db, a.accountId)).toBe(0n);
    // Never disputed: $3 left + the $10 top-up = $13.
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(13n * USD);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(await balanceWithoutDispute(a.accountId));
    const rs = await reinstatements(a.accountId);
    expect(rs).toHaveLength(1);
    // $7 un-owed; $13 credited = the $3 the dispute debited + the $10 the recovery took.
    expect(rs[0].metadata).toMatchObject({ unowed_micro_usd: String(7n * USD), credited_micro_usd: String(13n * USD) });
    expect(rs[0].amountMicroUsd).toBe(13n * USD);
    expect((await credits(a.secret)).status).toBe(200);
    await expectAudited(a.accountId);
  });

  it("a lost dispute changes nothing: the event is recorded, the account stays frozen", async () => {
    const a = await toppedUp(2000);
    await spend(a.accountId, 27n * USD);
    const dispute = await disputed(a.pi);
    const before = { balance: await readBalance(app.db, a.accountId), owed: await readOwed(app.db, a.accountId), entries: (await entries(a.accountId)).length };
    const { closed, reinstated } = await closeDispute(dispute.id, "lost");
    expect(closed).toHaveLength(1);
    expect(reinstated).toHaveLength(0); // no funds come back
    const [r] = await w().deliver(closed[0], { times: 2 });
    expect(r.status).toBe(200);
    expect(await readBalance(app.db, a.accountId)).toEqual(before.balance);
    expect(await readOwed(app.db, a.accountId)).toBe(before.owed);
    expect((await entries(a.accountId)).length).toBe(before.entries);
    expect(await app.db.select().from(stripeEvents).where(eq(stripeEvents.id, closed[0]))).toHaveLength(1);
    expect((await credits(a.secret)).status).toBe(402);
    // And it cannot be closed again.
    const again = await control(`/_emulator/disputes/${dispute.id}/close`, { outcome: "won" });
    expect(again.status).toBe(400);
    expect(
      rv.tb.emu.emulator.events.filter((e) => e.type.startsWith("charge.dispute.") && (e.data.object as { id: string }).id === dispute.id).map((e) => e.type),
    ).toEqual(["charge.dispute.created", "charge.dispute.closed"]);
    expect(rv.tb.emu.emulator.disputes.get(dispute.id)?.status).toBe("lost");
    await expectAudited(a.accountId);
  });

  it("an inquiry takes the credit when it opens and gives it back when it closes without a chargeback (warning_closed)", async () => {
    const a = await toppedUp(2000);
    const before = (await readBalance(app.db, a.accountId)).balanceMicroUsd;
    const inquiry = await disputed(a.pi, { inquiry: true });
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(before - 20n * USD);
    const { closed, reinstated } = await closeDispute(inquiry.id, "warning_closed");
    expect(reinstated).toHaveLength(0); // no funds moved at Stripe, so none are reinstated
    expect((await w().deliver(closed[0])).map((r) => r.status)).toEqual([200]);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(before);
    expect(await reinstatements(a.accountId)).toHaveLength(1);
    // A chargeback cannot close as an inquiry, nor an inquiry as won.
    const b = await toppedUp(1000);
    const chargeback = await disputed(b.pi);
    expect((await control(`/_emulator/disputes/${chargeback.id}/close`, { outcome: "warning_closed" })).status).toBe(400);
    await expectAudited(a.accountId);
  });

  it("a replayed charge.dispute.closed (won), sequential and concurrent, gives back once", async () => {
    const a = await toppedUp(2000);
    await spend(a.accountId, 25n * USD); // $5 left
    const dispute = await disputed(a.pi); // $5 debited, $15 owed
    const { closed } = await closeDispute(dispute.id, "won");
    const results = [...(await w().deliver(closed[0], { times: 3 })), ...(await w().deliver(closed[0], { times: 6, concurrent: true }))];
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await reinstatements(a.accountId)).toHaveLength(1);
    expect(await readOwed(app.db, a.accountId)).toBe(0n);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(5n * USD);
    await expectAudited(a.accountId);
  });

  it("charge.dispute.closed and charge.dispute.funds_reinstated delivered concurrently, many times: applied once", async () => {
    const a = await toppedUp(3000); // $40
    await spend(a.accountId, 20n * USD); // $20 left
    const dispute = await disputed(a.pi); // the whole $30: $20 debited, $10 owed
    expect(await readOwed(app.db, a.accountId)).toBe(10n * USD);
    const { closed, reinstated } = await closeDispute(dispute.id, "won");
    const results = (
      await Promise.all([w().deliver(closed[0], { times: 4, concurrent: true }), w().deliver(reinstated[0], { times: 4, concurrent: true })])
    ).flat();
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await reinstatements(a.accountId)).toHaveLength(1);
    expect(await readOwed(app.db, a.accountId)).toBe(0n);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(20n * USD);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(await balanceWithoutDispute(a.accountId));
    await expectAudited(a.accountId);
  });

  it("a dispute that was never applied gives back nothing when won", async () => {
    const a = await toppedUp(2000);
    const dispute = await disputed(a.pi, { deliver: false }); // charge.dispute.created never arrived
    const before = { balance: await readBalance(app.db, a.accountId), entries: (await entries(a.accountId)).length };
    const { closed, reinstated } = await closeDispute(dispute.id, "won");
    await w().deliver(closed[0]);
    await w().deliver(reinstated[0]);
    expect(await readBalance(app.db, a.accountId)).toEqual(before.balance);
    expect((await entries(a.accountId)).length).toBe(before.entries);
    // Directly: no reversal entry under that reference, nothing reinstated, nothing written.
    const r = await reinstateCredit(app.db, { reversalReference: `dispute:${dispute.id}`, reference: `dispute_won:${dispute.id}`, describe: () => "x" });
    expect(r).toMatchObject({ applied: false, skipped: "not_reversed", creditedMicroUsd: 0n });
    await expectAudited(a.accountId);
  });

  it("the emulator's close endpoint is strict: unknown dispute, missing or bad outcome, no secret key", async () => {
    const a = await toppedUp(1000);
    const dispute = await disputed(a.pi, { deliver: false });
    expect((await control("/_emulator/disputes/dp_nope/close", { outcome: "won" })).status).toBe(400);
    expect((await control(`/_emulator/disputes/${dispute.id}/close`, {})).status).toBe(400);
    expect((await control(`/_emulator/disputes/${dispute.id}/close`, { outcome: "draw" })).status).toBe(400);
    const anon = await fetch(`${rv.tb.emu.url}/_emulator/disputes/${dispute.id}/close`, { method: "POST", body: "outcome=won" });
    expect(anon.status).toBe(401);
    expect(heldIds("charge.dispute.closed")).toHaveLength(0);
    expect(rv.tb.emu.emulator.disputes.get(dispute.id)?.status).toBe("needs_response");
  });
});
