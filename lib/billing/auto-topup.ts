import { desc, eq, sql } from "drizzle-orm";
import Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { autoTopUpSettings, payments, type AutoTopUpOutcome } from "@/db/schema";
import { centsToMicro, formatUsd, microToCents, MICRO_PER_CENT } from "@/lib/money";
import { findCustomerId } from "./customers";
import { BillingError, billingErrorFromPaymentError } from "./errors";
import { listPaymentMethods, ownedPaymentMethod } from "./payment-methods";
import { creditPaymentIntent, recordPaymentState, upsertPayment } from "./payments";
import { MAX_TOPUP_CENTS, MIN_TOPUP_CENTS } from "./topup";

// Auto top-up. After a request settles, the API calls maybeAutoTopUp(); when the balance
// is below the account's threshold the saved card is charged off-session. Exactly one of
// any number of concurrent settles wins the conditional UPDATE that sets in_flight, so a
// crossing charges once. A card that needs the user (authentication_required) or is
// declined turns auto top-up off and says why on the billing page: we never retry blindly.

/** A claim older than this belongs to a process that died mid-charge. */
const STALE_CLAIM = "10 minutes";
/** After a network/API error (not a decline), wait this long before trying again. */
const ERROR_BACKOFF = "1 minute";

export type AutoTopUpView = {
  enabled: boolean;
  thresholdMicroUsd: bigint;
  amountMicroUsd: bigint;
  paymentMethodId: string | null;
  inFlight: boolean;
  lastOutcome: AutoTopUpOutcome | null;
  lastMessage: string | null;
  lastAttemptAt: Date | null;
  lastPaymentIntentId: string | null;
};

export async function getAutoTopUp(db: Queryable, accountId: string): Promise<AutoTopUpView | null> {
  const [s] = await db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.accountId, accountId));
  if (!s) return null;
  return {
    enabled: s.enabled,
    thresholdMicroUsd: s.thresholdMicroUsd,
    amountMicroUsd: s.amountMicroUsd,
    paymentMethodId: s.paymentMethodId,
    inFlight: s.inFlight,
    lastOutcome: s.lastOutcome,
    lastMessage: s.lastMessage,
    lastAttemptAt: s.lastAttemptAt,
    lastPaymentIntentId: s.lastPaymentIntentId,
  };
}

/**
 * Saves the settings. Turning auto top-up on needs a saved card of the account's own and
 * clears the last failure notice (the user has seen it and chosen to retry).
 */
export async function setAutoTopUp(
  db: Queryable,
  stripe: Stripe,
  input: { accountId: string; enabled: boolean; thresholdCents: number; amountCents: number; paymentMethodId?: string | null },
): Promise<AutoTopUpView> {
  const { accountId, enabled } = input;
  if (!Number.isSafeInteger(input.thresholdCents) || input.thresholdCents < 0 || input.thresholdCents > MAX_TOPUP_CENTS) {
    throw new BillingError("invalid_settings", `The threshold must be between $0.00 and ${formatUsd(centsToMicro(MAX_TOPUP_CENTS))}.`);
  }
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents < MIN_TOPUP_CENTS || input.amountCents > MAX_TOPUP_CENTS) {
    throw new BillingError(
      "invalid_settings",
      `The auto top-up amount must be between ${formatUsd(centsToMicro(MIN_TOPUP_CENTS))} and ${formatUsd(centsToMicro(MAX_TOPUP_CENTS))}.`,
    );
  }
  const paymentMethodId = input.paymentMethodId ?? null;
  if (paymentMethodId) await ownedPaymentMethod(db, stripe, accountId, paymentMethodId);
  else if (enabled && (await listPaymentMethods(db, stripe, accountId)).length === 0) {
    throw new BillingError("no_payment_method", "Add a card before turning on auto top-up.");
  }
  const values = {
    enabled,
    thresholdMicroUsd: centsToMicro(input.thresholdCents),
    amountMicroUsd: centsToMicro(input.amountCents),
    paymentMethodId,
    updatedAt: new Date(),
    ...(enabled ? { lastOutcome: null, lastMessage: null } : {}),
  };
  await db
    .insert(autoTopUpSettings)
    .values({ accountId, ...values })
    .onConflictDoUpdate({ target: autoTopUpSettings.accountId, set: values });
  return (await getAutoTopUp(db, accountId))!;
}

export type AutoTopUpResult = { fired: false; error?: string } | { fired: true; outcome: AutoTopUpOutcome; paymentIntentId: string | null; message: string };

/**
 * Call after every settle (ideally in `after()`, off the response path). Never throws:
 * billing trouble must not fail an API request that already succeeded. Costs one
 * indexed UPDATE that matches nothing when no top-up is due.
 */
export async function maybeAutoTopUp(db: Queryable, stripe: Stripe, accountId: string): Promise<AutoTopUpResult> {
  let claimed: { attempts: number; amount: bigint; pm: string | null } | undefined;
  try {
    // The balance is read here, in the same statement as the claim, not trusted from the
    // caller. A retry after an error or a dead claim reuses the attempt number, hence the
    // Stripe idempotency key: if the lost attempt did charge, Stripe replays that result.
    const [row] = await rows<{ attempts: number; amount_micro_usd: string | bigint; payment_method_id: string | null }>(
      db,
      sql`update auto_topup_settings s
             set in_flight = true, in_flight_since = now(), last_attempt_at = now(), updated_at = now(),
                 attempts = case when s.in_flight or s.last_outcome = 'error' then s.attempts else s.attempts + 1 end
            from billing_accounts a
           where s.account_id = ${accountId} and a.id = s.account_id and s.enabled
             and a.balance_micro_usd < s.threshold_micro_usd
             and (not s.in_flight or s.in_flight_since < now() - interval '${sql.raw(STALE_CLAIM)}')
             and (s.last_outcome is distinct from 'error' or s.last_attempt_at < now() - interval '${sql.raw(ERROR_BACKOFF)}')
       returning s.attempts, s.amount_micro_usd, s.payment_method_id`,
    );
    if (!row) return { fired: false };
    claimed = { attempts: Number(row.attempts), amount: BigInt(row.amount_micro_usd), pm: row.payment_method_id };
    const result = await charge(db, stripe, accountId, claimed);
    await finish(db, accountId, result);
    return { fired: true, ...result };
  } catch (err) {
    console.error(`[billing] auto top-up for ${accountId} failed:`, err);
    if (claimed) {
      await finish(db, accountId, {
        outcome: "error",
        paymentIntentId: null,
        message: "Auto top-up could not run because of an internal error. It will try again shortly.",
      }).catch(() => {});
    }
    return { fired: false, error: String((err as Error)?.message ?? err) };
  }
}

type ChargeResult = { outcome: AutoTopUpOutcome; paymentIntentId: string | null; message: string; disable?: boolean };

async function charge(db: Queryable, stripe: Stripe, accountId: string, claim: { attempts: number; amount: bigint; pm: string | null }): Promise<ChargeResult> {
  const customer = await findCustomerId(db, accountId);
  const pm = claim.pm ?? (customer ? (await listPaymentMethods(db, stripe, accountId))[0]?.id : undefined);
  if (!customer || !pm) {
    return {
      outcome: "declined",
      paymentIntentId: null,
      disable: true,
      message: "Auto top-up is off: there is no saved card to charge. Add a card and turn it back on.",
    };
  }
  const amountLabel = formatUsd(claim.amount);
  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripe.paymentIntents.create(
      {
        amount: microToCents(claim.amount - (claim.amount % MICRO_PER_CENT)),
        currency: "usd",
        customer,
        payment_method: pm,
        allowed_payment_method_types: ["card"],
        off_session: true,
        confirm: true,
        description: `Auto top-up ${amountLabel}`,
        metadata: { account_id: accountId, kind: "auto_topup" },
      },
      { idempotencyKey: `auto-topup:${accountId}:${claim.attempts}` },
    );
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeError)) throw err;
    const failed = (err.raw as { payment_intent?: Stripe.PaymentIntent } | undefined)?.payment_intent;
    if (failed?.id) await recordPaymentState(db, failed);
    if (err instanceof Stripe.errors.StripeCardError) {
      const be = billingErrorFromPaymentError({ code: err.code, decline_code: err.decline_code, message: err.message, type: "card_error" });
      const needsUser = err.code === "authentication_required";
      return {
        outcome: needsUser ? "authentication_required" : "declined",
        paymentIntentId: failed?.id ?? null,
        disable: true,
        message: needsUser
          ? `Auto top-up of ${amountLabel} needs you to confirm the payment with your bank, so auto top-up is now off. Top up manually to confirm, then turn it back on.`
          : `Auto top-up of ${amountLabel} was declined, so auto top-up is now off. ${be.message}`,
      };
    }
    if (err instanceof Stripe.errors.StripeInvalidRequestError) {
      // e.g. the saved card was removed in Stripe: a person has to fix this.
      return { outcome: "declined", paymentIntentId: failed?.id ?? null, disable: true, message: `Auto top-up is off: ${err.message}` };
    }
    return {
      outcome: "error",
      paymentIntentId: null,
      message: `Auto top-up of ${amountLabel} could not reach the payment service. It will try again shortly.`,
    };
  }
  if (pi.status === "succeeded") {
    await creditPaymentIntent(db, pi);
    return { outcome: "succeeded", paymentIntentId: pi.id, message: `Auto top-up added ${formatUsd(centsToMicro(pi.amount_received))}.` };
  }
  await upsertPayment(db, pi, accountId, pi.status === "processing" ? "processing" : "requires_action");
  if (pi.status === "processing") return { outcome: "succeeded", paymentIntentId: pi.id, message: `Auto top-up of ${amountLabel} is processing.` };
  return {
    outcome: "authentication_required",
    paymentIntentId: pi.id,
    disable: true,
    message: `Auto top-up of ${amountLabel} needs you to confirm the payment with your bank, so auto top-up is now off. Top up manually, then turn it back on.`,
  };
}

async function finish(db: Queryable, accountId: string, r: ChargeResult) {
  await db
    .update(autoTopUpSettings)
    .set({
      inFlight: false,
      inFlightSince: null,
      lastOutcome: r.outcome,
      lastMessage: r.message,
      lastPaymentIntentId: r.paymentIntentId,
      updatedAt: new Date(),
      ...(r.disable ? { enabled: false } : {}),
    })
    .where(eq(autoTopUpSettings.accountId, accountId));
}

/** Recent payments (manual and automatic) for the billing page. */
export async function recentPayments(db: Queryable, accountId: string, limit = 20) {
  return db.select().from(payments).where(eq(payments.accountId, accountId)).orderBy(desc(payments.createdAt)).limit(limit);
}
