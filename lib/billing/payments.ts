import { eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { billingAccounts, payments, stripeEvents, type PaymentSource, type PaymentStatus } from "@/db/schema";
import { setTier } from "@/lib/accounts";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { postEntry, settleOwed } from "@/lib/ledger";
import { centsToMicro, formatUsd } from "@/lib/money";
import { findAccountIdByCustomer } from "./customers";

// Crediting a PaymentIntent. Two paths lead here: the browser coming back from a
// confirmation (the server re-reads the PaymentIntent from Stripe) and the
// payment_intent.succeeded webhook. Whichever arrives first credits; the other finds the
// ledger entry with reference = PaymentIntent id and does nothing. The amount is always
// Stripe's amount_received, never anything a browser sent.

export type WebhookEventRef = { id: string; type: string };

export type CreditResult = {
  /** True only for the call that actually moved the money. */
  credited: boolean;
  accountId: string | null;
  creditedMicroUsd: bigint;
  balanceAfterMicroUsd: bigint | null;
  /** Why nothing was credited, when nothing was. */
  skipped?: "duplicate_event" | "already_credited" | "not_succeeded" | "unknown_customer" | "account_mismatch" | "not_usd" | "nothing_received";
};

const customerIdOf = (pi: Stripe.PaymentIntent) => (typeof pi.customer === "string" ? pi.customer : (pi.customer?.id ?? null));
export const paymentSourceOf = (pi: Stripe.PaymentIntent): PaymentSource => (pi.metadata?.kind === "auto_topup" ? "auto" : "manual");

/**
 * Marks a webhook event handled inside the caller's transaction. False when it already
 * was: on PostgreSQL a concurrent duplicate waits on the primary key until the first
 * commits, then sees the conflict.
 */
async function claimEvent(tx: Queryable, event: WebhookEventRef | undefined, objectId: string): Promise<boolean> {
  if (!event) return true;
  const inserted = await tx.insert(stripeEvents).values({ id: event.id, type: event.type, objectId }).onConflictDoNothing().returning({ id: stripeEvents.id });
  return inserted.length > 0;
}

/**
 * Credits a succeeded PaymentIntent to the account that owns its customer, once. With a
 * webhook event, recording the event and crediting commit together: if crediting fails
 * the event stays unrecorded and Stripe's redelivery tries again.
 */
export async function creditPaymentIntent(db: Queryable, pi: Stripe.PaymentIntent, opts: { event?: WebhookEventRef } = {}): Promise<CreditResult> {
  const none = (skipped: CreditResult["skipped"], accountId: string | null = null): CreditResult => ({
    credited: false,
    accountId,
    creditedMicroUsd: 0n,
    balanceAfterMicroUsd: null,
    skipped,
  });
  return db.transaction(async (tx) => {
    if (!(await claimEvent(tx, opts.event, pi.id))) return none("duplicate_event");
    if (pi.status !== "succeeded") return none("not_succeeded");
    const customerId = customerIdOf(pi);
    const accountId = customerId ? await findAccountIdByCustomer(tx, customerId) : null;
    // A PaymentIntent we did not create (same Stripe account, another integration).
    if (!accountId) return none("unknown_customer");
    if (pi.metadata?.account_id && pi.metadata.account_id !== accountId) {
      console.error(`[billing] ${pi.id}: metadata account ${pi.metadata.account_id} != customer's account ${accountId}; not credited`);
      return none("account_mismatch", accountId);
    }
    if (pi.currency !== "usd") return none("not_usd", accountId);
    const receivedMicroUsd = centsToMicro(pi.amount_received);
    if (receivedMicroUsd <= 0n) return none("nothing_received", accountId);

    const source = paymentSourceOf(pi);
    const entry = await postEntry(tx, {
      accountId,
      kind: "topup",
      amountMicroUsd: receivedMicroUsd,
      reference: pi.id,
      description: `${source === "auto" ? "Auto top-up" : "Top-up"} ${formatUsd(receivedMicroUsd)}`,
      metadata: { payment_intent: pi.id, amount_received_cents: pi.amount_received, source },
    });
    await upsertPayment(tx, pi, accountId, "succeeded");
    if (entry.applied) {
      await becomePaid(tx, accountId);
      // A frozen account (refunds/disputes left a debt) pays it back from this top-up
      // first; once nothing is owed it is unfrozen, on every instance at commit.
      const owed = await settleOwed(tx, { accountId, reference: `recover:${pi.id}` });
      if (owed.paidMicroUsd > 0n && owed.owedMicroUsd === 0n) await notifyKeyChange(tx, { accountId });
      if (owed.paidMicroUsd > 0n) {
        const [acct] = await tx.select({ balance: billingAccounts.balanceMicroUsd }).from(billingAccounts).where(eq(billingAccounts.id, accountId));
        return { credited: true, accountId, creditedMicroUsd: receivedMicroUsd, balanceAfterMicroUsd: acct.balance };
      }
    }
    if (!entry.applied) return { ...none("already_credited", accountId), balanceAfterMicroUsd: entry.balanceAfterMicroUsd };
    return { credited: true, accountId, creditedMicroUsd: receivedMicroUsd, balanceAfterMicroUsd: entry.balanceAfterMicroUsd };
  });
}

/** The Paid tier starts with the first successful payment (never a downgrade). */
async function becomePaid(tx: Queryable, accountId: string) {
  const [acct] = await tx.select({ tier: billingAccounts.tier }).from(billingAccounts).where(eq(billingAccounts.id, accountId));
  if (acct && acct.tier !== "paid") await setTier(tx, accountId, "paid");
}

/**
 * Records a PaymentIntent's state for the billing page. A succeeded payment never goes
 * back to failed, whatever order events arrive in.
 */
export async function upsertPayment(db: Queryable, pi: Stripe.PaymentIntent, accountId: string, status: PaymentStatus) {
  const failure = status === "failed" ? pi.last_payment_error : null;
  const values = {
    status,
    amountReceivedMicroUsd: centsToMicro(pi.amount_received ?? 0),
    failureCode: failure ? (failure.decline_code ?? failure.code ?? "failed") : null,
    failureMessage: failure?.message ?? null,
    updatedAt: new Date(),
    ...(status === "succeeded" ? { creditedAt: new Date() } : {}),
  };
  await db
    .insert(payments)
    .values({ paymentIntentId: pi.id, accountId, source: paymentSourceOf(pi), amountMicroUsd: centsToMicro(pi.amount), ...values })
    .onConflictDoUpdate({
      target: payments.paymentIntentId,
      set: status === "succeeded" ? { ...values, creditedAt: sql`coalesce(${payments.creditedAt}, now())` } : values,
      setWhere: sql`${payments.status} <> 'succeeded'`,
    });
}

export function paymentStatusOf(pi: Stripe.PaymentIntent): PaymentStatus {
  switch (pi.status) {
    case "succeeded":
      return "succeeded";
    case "requires_action":
    case "requires_confirmation":
      return "requires_action";
    case "canceled":
      return "canceled";
    case "requires_payment_method":
      return pi.last_payment_error ? "failed" : "requires_action";
    default:
      return "processing";
  }
}

/**
 * Records a failed (or otherwise unfinished) PaymentIntent; from payment_intent.payment_failed
 * and from a declined confirmation. Nothing is credited, and a payment that already
 * succeeded is left as it is.
 */
export async function recordPaymentState(db: Queryable, pi: Stripe.PaymentIntent, opts: { event?: WebhookEventRef } = {}): Promise<{ recorded: boolean }> {
  return db.transaction(async (tx) => {
    if (!(await claimEvent(tx, opts.event, pi.id))) return { recorded: false };
    const customerId = customerIdOf(pi);
    const accountId = customerId ? await findAccountIdByCustomer(tx, customerId) : null;
    if (!accountId) return { recorded: false };
    const status = paymentStatusOf(pi);
    if (status === "succeeded") return { recorded: false }; // crediting is creditPaymentIntent's job
    await upsertPayment(tx, pi, accountId, status);
    return { recorded: true };
  });
}

/** Marks any other webhook event handled (so the log shows it arrived). */
export async function recordEventOnly(db: Queryable, event: WebhookEventRef, objectId: string | null) {
  await db.insert(stripeEvents).values({ id: event.id, type: event.type, objectId }).onConflictDoNothing();
}
