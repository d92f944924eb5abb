import Stripe from "stripe";

// One error type for billing, with messages written for the person at the billing page:
// what happened and what to do. Stripe's own card_error messages are meant for end users
// (Stripe documents them as safe to show); anything else is replaced by our wording.

export const BILLING_ERRORS = {
  invalid_amount: 400,
  amount_too_small: 400,
  amount_too_large: 400,
  invalid_settings: 400,
  no_payment_method: 400,
  payment_method_not_found: 404,
  payment_not_found: 404,
  tax_id_not_found: 404,
  card_declined: 402,
  authentication_required: 402,
  authentication_failed: 402,
  payment_failed: 402,
  stripe_unavailable: 503,
  payments_not_configured: 503,
  too_many_attempts: 429,
} as const;

export type BillingErrorCode = keyof typeof BILLING_ERRORS;

export class BillingError extends Error {
  override name = "BillingError";
  readonly status: number;
  constructor(
    readonly code: BillingErrorCode,
    message: string,
    opts: { cause?: unknown; declineCode?: string | null; paymentIntentId?: string | null } = {},
  ) {
    super(message, { cause: opts.cause });
    this.status = BILLING_ERRORS[code];
    this.declineCode = opts.declineCode ?? null;
    this.paymentIntentId = opts.paymentIntentId ?? null;
  }
  readonly declineCode: string | null;
  readonly paymentIntentId: string | null;

  toJSON() {
    return { error: { code: this.code, message: this.message, decline_code: this.declineCode, payment_intent: this.paymentIntentId } };
  }
}

type LastError = { code?: string | null; decline_code?: string | null; message?: string | null; type?: string | null } | null | undefined;

/** A payment's failure (a card error or a PaymentIntent's last_payment_error) in our terms. */
export function billingErrorFromPaymentError(e: LastError, paymentIntentId?: string | null, cause?: unknown): BillingError {
  const opts = { cause, declineCode: e?.decline_code ?? null, paymentIntentId };
  if (e?.code === "authentication_required") {
    return new BillingError(
      "authentication_required",
      "Your bank needs you to confirm this payment. Top up from the billing page to confirm it, or use another card.",
      opts,
    );
  }
  if (e?.code === "payment_intent_authentication_failure" || e?.code === "setup_intent_authentication_failure") {
    return new BillingError(
      "authentication_failed",
      "The card's authentication (3-D Secure) was not completed. Nothing was charged. Try again, or use another card.",
      opts,
    );
  }
  if (e?.type === "card_error" || e?.code === "card_declined") {
    const reason = e?.message?.trim() || "Your card was declined.";
    return new BillingError("card_declined", `${reason} Nothing was charged. Try another card, or contact your bank.`, opts);
  }
  return new BillingError("payment_failed", "The payment did not go through and nothing was charged. Try again, or use another card.", opts);
}

/** Maps anything the Stripe SDK throws. Non-Stripe errors are rethrown untouched. */
export function billingErrorFromStripe(err: unknown): BillingError {
  if (err instanceof BillingError) return err;
  if (err instanceof Stripe.errors.StripeCardError) {
    const raw = err.raw as { payment_intent?: { id?: string } } | undefined;
    return billingErrorFromPaymentError(
      { code: err.code, decline_code: err.decline_code, message: err.message, type: "card_error" },
      raw?.payment_intent?.id,
      err,
    );
  }
  if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError || err instanceof Stripe.errors.StripeRateLimitError) {
    return new BillingError(
      "stripe_unavailable",
      "We could not reach the payment service. Nothing was added to your balance; try again in a moment. If a charge did go through, it will be credited automatically.",
      { cause: err },
    );
  }
  throw err;
}
