import { randomUUID } from "node:crypto";
import Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { readBalance } from "@/lib/ledger";
import { centsToMicro, formatUsd, MICRO_PER_CENT, parseUsd } from "@/lib/money";
import { ensureCustomer, findCustomerId } from "./customers";
import { BillingError, billingErrorFromPaymentError, billingErrorFromStripe } from "./errors";
import { ownedPaymentMethod } from "./payment-methods";
import { creditPaymentIntent, paymentStatusOf, recordPaymentState, upsertPayment } from "./payments";

// Manual top-ups: charge a saved card on-session with a PaymentIntent, credit what Stripe
// received. The amount is checked here on the server whatever the page allowed.

export const MIN_TOPUP_CENTS = 500; // $5.00 (docs/architecture.md, "The product contract")
export const MAX_TOPUP_CENTS = 1_000_000; // $10,000.00 per payment
export const TOPUP_PRESETS_CENTS = [500, 2_000, 5_000, 10_000] as const;

/** Validates a top-up amount in cents: a whole number between $5.00 and $10,000.00. */
export function validateTopUpCents(amountCents: unknown): number {
  if (typeof amountCents !== "number" || !Number.isSafeInteger(amountCents)) {
    throw new BillingError("invalid_amount", "Enter the amount in dollars and cents, for example 20.00.");
  }
  if (amountCents < MIN_TOPUP_CENTS) {
    throw new BillingError("amount_too_small", `The minimum top-up is ${formatUsd(centsToMicro(MIN_TOPUP_CENTS))}.`);
  }
  if (amountCents > MAX_TOPUP_CENTS) {
    throw new BillingError("amount_too_large", `The maximum top-up is ${formatUsd(centsToMicro(MAX_TOPUP_CENTS))}. Contact us for larger payments.`);
  }
  return amountCents;
}

/** Parses what the user typed ("5", "5.00", "$1,000.50") into cents, validated. */
export function parseTopUpAmount(input: string): number {
  const micro = parseUsd(String(input), 2);
  if (micro === null) throw new BillingError("invalid_amount", "Enter the amount in dollars and cents, for example 20.00.");
  return validateTopUpCents(Number(micro / MICRO_PER_CENT));
}

export type TopUpResult =
  | { status: "succeeded"; paymentIntentId: string; creditedMicroUsd: bigint; balanceMicroUsd: bigint }
  /** 3-D Secure: the browser finishes with stripe.handleNextAction(clientSecret), then calls confirmTopUp. */
  | { status: "requires_action"; paymentIntentId: string; clientSecret: string }
  | { status: "processing"; paymentIntentId: string };

/**
 * Charges a saved card of the account's own. `requestKey` comes from the page (one per
 * click of "Top up"), so a double submit or a retried request makes one PaymentIntent.
 */
export async function topUp(
  db: Queryable,
  stripe: Stripe,
  input: { accountId: string; amountCents: number; paymentMethodId: string; requestKey?: string },
): Promise<TopUpResult> {
  const amountCents = validateTopUpCents(input.amountCents);
  const customer = await ensureCustomer(db, stripe, input.accountId).catch((e) => {
    throw billingErrorFromStripe(e);
  });
  await ownedPaymentMethod(db, stripe, input.accountId, input.paymentMethodId);
  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripe.paymentIntents.create(
      {
        amount: amountCents,
        currency: "usd",
        customer,
        payment_method: input.paymentMethodId,
        allowed_payment_method_types: ["card"],
        confirm: true,
        description: `Top-up ${formatUsd(centsToMicro(amountCents))}`,
        metadata: { account_id: input.accountId, kind: "topup" },
      },
      { idempotencyKey: `topup:${input.accountId}:${input.requestKey ?? randomUUID()}` },
    );
  } catch (err) {
    // A decline still created a PaymentIntent; keep its failure for the billing page.
    const failed = (err as { raw?: { payment_intent?: Stripe.PaymentIntent } }).raw?.payment_intent;
    if (err instanceof Stripe.errors.StripeError && failed?.id) await recordPaymentState(db, failed);
    throw billingErrorFromStripe(err);
  }
  return settleOutcome(db, input.accountId, pi);
}

/**
 * The browser is back from confirming (3-D Secure): re-read the PaymentIntent from Stripe,
 * check it belongs to this account's customer, and credit what Stripe received.
 */
export async function confirmTopUp(db: Queryable, stripe: Stripe, input: { accountId: string; paymentIntentId: string }): Promise<TopUpResult> {
  const notFound = new BillingError("payment_not_found", "That payment was not found on your account.");
  if (!/^pi_[A-Za-z0-9_]+$/.test(input.paymentIntentId)) throw notFound;
  const customer = await findCustomerId(db, input.accountId);
  if (!customer) throw notFound;
  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripe.paymentIntents.retrieve(input.paymentIntentId);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "resource_missing") throw notFound;
    throw billingErrorFromStripe(err);
  }
  const owner = typeof pi.customer === "string" ? pi.customer : pi.customer?.id;
  if (owner !== customer) throw notFound;
  return settleOutcome(db, input.accountId, pi);
}

async function settleOutcome(db: Queryable, accountId: string, pi: Stripe.PaymentIntent): Promise<TopUpResult> {
  if (pi.status === "succeeded") {
    // Credited here or already by the webhook; either way the balance now includes it.
    await creditPaymentIntent(db, pi);
    const { balanceMicroUsd } = await readBalance(db, accountId);
    return { status: "succeeded", paymentIntentId: pi.id, creditedMicroUsd: centsToMicro(pi.amount_received), balanceMicroUsd };
  }
  const status = paymentStatusOf(pi);
  await upsertPayment(db, pi, accountId, status);
  if (pi.status === "requires_action" || pi.status === "requires_confirmation") {
    return { status: "requires_action", paymentIntentId: pi.id, clientSecret: pi.client_secret! };
  }
  if (pi.status === "processing") return { status: "processing", paymentIntentId: pi.id };
  if (pi.status === "canceled") throw new BillingError("payment_failed", "This payment was canceled. Nothing was charged.", { paymentIntentId: pi.id });
  throw billingErrorFromPaymentError(pi.last_payment_error, pi.id);
}
