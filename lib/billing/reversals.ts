import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { ledgerEntries, stripeEvents } from "@/db/schema";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { reinstateCredit, reverseCredit, type ReversalKind } from "@/lib/ledger";
import { centsToMicro, formatUsd } from "@/lib/money";
import type { WebhookEventRef } from "./payments";

// Refunds and disputes of top-ups, from Stripe's charge.refunded and
// charge.dispute.created webhooks. The money side (debit what is spendable, owe the rest,
// freeze) is lib/ledger/reversals.ts; here the Stripe objects are mapped to the top-up
// they reverse. The event is recorded in the same transaction as the debit, and the debit
// has its own reference (refund: the charge and its running total refunded; dispute: the
// dispute id), so a replayed, duplicated or concurrent event debits once.
//
// A dispute the merchant wins brings the money back to us, so the user gets back what the
// dispute took: charge.dispute.closed with status "won", or charge.dispute.funds_reinstated
// (Stripe sends both, in either order). Both reinstate under one reference per dispute
// (`dispute_won:<id>`), so together, replayed or concurrent they give back once. A dispute
// lost moves nothing: the event is only recorded. An inquiry closed without a chargeback
// (warning_closed) gives back too: the credit was taken when the inquiry opened.

export type ReversalOutcome = {
  applied: boolean;
  accountId: string | null;
  debitedMicroUsd: bigint;
  owedMicroUsd: bigint;
  skipped?: "duplicate_event" | "not_our_payment" | "not_usd" | "no_payment_intent";
};

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === "string" ? v : (v?.id ?? null));

/** The top-up a PaymentIntent credited: its account and amount, from the ledger. */
async function creditedTopUp(tx: Queryable, paymentIntentId: string) {
  const [row] = await tx
    .select({ accountId: ledgerEntries.accountId, amountMicroUsd: ledgerEntries.amountMicroUsd })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.reference, paymentIntentId), eq(ledgerEntries.kind, "topup")));
  return row ?? null;
}

async function claimEvent(tx: Queryable, event: WebhookEventRef, objectId: string): Promise<boolean> {
  const inserted = await tx.insert(stripeEvents).values({ id: event.id, type: event.type, objectId }).onConflictDoNothing().returning({ id: stripeEvents.id });
  return inserted.length > 0;
}

async function reverse(
  db: Queryable,
  event: WebhookEventRef,
  input: {
    objectId: string;
    paymentIntentId: string | null;
    currency: string;
    kind: ReversalKind;
    amount: { exactMicroUsd: bigint } | { cumulativeMicroUsd: bigint };
    reference: string;
    what: string;
  },
): Promise<ReversalOutcome> {
  const none = (skipped: ReversalOutcome["skipped"], accountId: string | null = null): ReversalOutcome => ({
    applied: false,
    accountId,
    debitedMicroUsd: 0n,
    owedMicroUsd: 0n,
    skipped,
  });
  return db.transaction(async (tx) => {
    if (!(await claimEvent(tx, event, input.objectId))) return none("duplicate_event");
    if (!input.paymentIntentId) return none("no_payment_intent");
    const topUp = await creditedTopUp(tx, input.paymentIntentId);
    // Not a top-up we credited (another integration on the same Stripe account, or a
    // payment that never succeeded): nothing of ours to take back.
    if (!topUp) return none("not_our_payment");
    if (input.currency !== "usd") return none("not_usd", topUp.accountId);
    const r = await reverseCredit(tx, {
      accountId: topUp.accountId,
      kind: input.kind,
      paymentIntentId: input.paymentIntentId,
      creditedMicroUsd: topUp.amountMicroUsd,
      amount: input.amount,
      reference: input.reference,
      description: input.what,
      metadata: { stripe_object: input.objectId, event: event.id },
    });
    // Frozen: every instance drops its cached key lookups for this account (delivered at
    // commit), so the next API request sees the freeze.
    if (r.owedAddedMicroUsd > 0n) await notifyKeyChange(tx, { accountId: topUp.accountId });
    return { applied: r.applied, accountId: topUp.accountId, debitedMicroUsd: r.debitedMicroUsd, owedMicroUsd: r.owedMicroUsd };
  });
}

/** charge.refunded: the charge's amount_refunded is the running total over all its refunds. */
export function handleChargeRefunded(db: Queryable, charge: Stripe.Charge, event: WebhookEventRef): Promise<ReversalOutcome> {
  const totalMicroUsd = centsToMicro(charge.amount_refunded);
  return reverse(db, event, {
    objectId: charge.id,
    paymentIntentId: idOf(charge.payment_intent),
    currency: charge.currency,
    kind: "refund",
    amount: { cumulativeMicroUsd: totalMicroUsd },
    reference: `refund:${charge.id}:${charge.amount_refunded}`,
    what: `Refund of a top-up (${formatUsd(totalMicroUsd)} refunded so far)`,
  });
}

/** charge.dispute.created: the disputed amount is withdrawn from us by the card network. */
export function handleDisputeCreated(db: Queryable, dispute: Stripe.Dispute, event: WebhookEventRef): Promise<ReversalOutcome> {
  const amountMicroUsd = centsToMicro(dispute.amount);
  return reverse(db, event, {
    objectId: dispute.id,
    paymentIntentId: idOf(dispute.payment_intent),
    currency: dispute.currency,
    kind: "dispute",
    amount: { exactMicroUsd: amountMicroUsd },
    reference: `dispute:${dispute.id}`,
    what: `Disputed top-up (${formatUsd(amountMicroUsd)}, reason: ${dispute.reason})`,
  });
}

export type ReinstatementOutcome = {
  applied: boolean;
  accountId: string | null;
  /** What went back: first against what the account owed, then to its balance. */
  unowedMicroUsd: bigint;
  creditedMicroUsd: bigint;
  owedMicroUsd: bigint;
  skipped?: "duplicate_event" | "not_won" | "not_reversed" | "already_reinstated";
};

/**
 * Whether this dispute event means the credit it took goes back: the funds came back to us
 * (won, funds_reinstated), or never left (an inquiry closed without a chargeback,
 * warning_closed: charge.dispute.created took the credit at the inquiry already, so that an
 * inquiry that escalates is covered).
 */
export function disputeWon(eventType: string, dispute: Pick<Stripe.Dispute, "status">): boolean {
  return eventType === "charge.dispute.funds_reinstated" || dispute.status === "won" || dispute.status === "warning_closed";
}

/**
 * charge.dispute.closed (won, warning_closed: give back; lost: record only) and
 * charge.dispute.funds_reinstated (give back). The event is recorded in the same
 * transaction as the reinstatement.
 */
export function handleDisputeClosed(db: Queryable, dispute: Stripe.Dispute, event: WebhookEventRef): Promise<ReinstatementOutcome> {
  const none = (skipped: ReinstatementOutcome["skipped"], accountId: string | null = null, owedMicroUsd = 0n): ReinstatementOutcome => ({
    applied: false,
    accountId,
    unowedMicroUsd: 0n,
    creditedMicroUsd: 0n,
    owedMicroUsd,
    skipped,
  });
  return db.transaction(async (tx) => {
    if (!(await claimEvent(tx, event, dispute.id))) return none("duplicate_event");
    if (!disputeWon(event.type, dispute)) return none("not_won");
    const r = await reinstateCredit(tx, {
      // Only a dispute we applied (charge.dispute.created on one of our top-ups, in USD) has
      // this entry; any other dispute gives back nothing.
      reversalReference: `dispute:${dispute.id}`,
      reference: `dispute_won:${dispute.id}`,
      describe: ({ reinstatedMicroUsd, unowedMicroUsd }) =>
        `Dispute won: ${formatUsd(reinstatedMicroUsd)} given back` + (unowedMicroUsd > 0n ? ` (${formatUsd(unowedMicroUsd)} of it cancels what was owed)` : ""),
      metadata: { stripe_object: dispute.id, event: event.id, dispute_status: dispute.status },
    });
    if (!r.applied) return none(r.skipped, r.accountId, r.owedMicroUsd);
    // Unfrozen: every instance drops its cached key lookups for this account (delivered at
    // commit), so the next API request is served again.
    if (r.unfrozen) await notifyKeyChange(tx, { accountId: r.accountId! });
    return { applied: true, accountId: r.accountId, unowedMicroUsd: r.unowedMicroUsd, creditedMicroUsd: r.creditedMicroUsd, owedMicroUsd: r.owedMicroUsd };
  });
}
