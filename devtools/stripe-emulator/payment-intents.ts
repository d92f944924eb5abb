import { createCharge } from "./refunds";
import { allowedTypes, badRequest, declineError, HttpError } from "./errors";
import { bool, int, metadata, ParamError, requireStr, str } from "./form";
import { nowSeconds, snapshot, stripeId, type PaymentIntent, type StripeErrorBody } from "./objects";
import { paymentMethodFor } from "./payment-methods";
import type { Ctx, Store } from "./store";

// PaymentIntents: the test cards decide the outcome (succeed, decline, 3-D Secure on-session,
// authentication_required off-session). Failures answer 402 with the PaymentIntent inside.

export function createPaymentIntent(s: Store, ctx: Ctx): PaymentIntent {
  const f = ctx.form;
  const amount = int(f, "amount");
  if (amount === undefined) throw new ParamError("amount", "Missing required param: amount.", "parameter_missing");
  const currency = requireStr(f, "currency").toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw badRequest(`Invalid currency: ${currency}.`, "parameter_invalid", "currency");
  if (amount < 50) throw badRequest(`Amount must be at least $0.50 ${currency}`, "amount_too_small", "amount");
  if (amount > 99_999_999) throw badRequest("Amount must be no more than $999,999.99", "amount_too_large", "amount");
  const customer = str(f, "customer") ?? null;
  if (customer) s.customer(customer, "customer");
  const confirm = bool(f, "confirm") ?? false;
  const offSession = bool(f, "off_session") ?? false;
  if (offSession && !confirm) throw badRequest("You can only pass off_session when confirm is true.", "parameter_invalid", "off_session");
  const pm = paymentMethodFor(s, f, null, customer);
  const id = stripeId("pi");
  const pi: PaymentIntent = {
    id,
    object: "payment_intent",
    amount,
    amount_capturable: 0,
    amount_received: 0,
    currency,
    customer,
    payment_method: pm?.id ?? null,
    payment_method_types: ["card"],
    allowed_payment_method_types: allowedTypes(f),
    excluded_payment_method_types: null,
    automatic_payment_methods: null,
    status: pm ? "requires_confirmation" : "requires_payment_method",
    client_secret: `${id}_secret_${stripeId("x").slice(2)}`,
    confirmation_method: "automatic",
    capture_method: "automatic_async",
    created: nowSeconds(),
    canceled_at: null,
    cancellation_reason: null,
    description: str(f, "description") ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: metadata(f),
    next_action: null,
    receipt_email: str(f, "receipt_email") ?? null,
    setup_future_usage: str(f, "setup_future_usage") ?? null,
    statement_descriptor: null,
    on_behalf_of: null,
    processing: null,
    review: null,
    transfer_data: null,
  };
  s.paymentIntents.set(id, pi);
  s.emit("payment_intent.created", pi);
  return confirm ? confirmPayment(s, { ...ctx, form: { off_session: String(offSession) } }, pi) : pi;
}

export function confirmPayment(s: Store, ctx: Ctx, pi: PaymentIntent): PaymentIntent {
  if (pi.status === "succeeded" || pi.status === "canceled") {
    throw new HttpError(400, {
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
      message:
        pi.status === "succeeded"
          ? "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
          : "You cannot confirm this PaymentIntent because it has a status of canceled.",
      payment_intent: snapshot(pi),
    });
  }
  const offSession = bool(ctx.form, "off_session") ?? false;
  const pm = paymentMethodFor(s, ctx.form, pi.payment_method, pi.customer);
  if (!pm) {
    throw badRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", "payment_intent_unexpected_state", "payment_method");
  }
  pi.payment_method = pm.id;
  pi.last_payment_error = null;
  const { card, setupAuthenticated } = s.cardOf(pm);
  switch (card.behavior) {
    case "succeed":
      return succeedPayment(s, pi);
    case "decline":
    case "decline_on_charge":
      return failPayment(s, pi, declineError(card, pm));
    case "authenticate_always":
    case "authenticate_unless_setup":
      if (!offSession) return s.requireAction(pi, "payment_intent.requires_action");
      if (card.behavior === "authenticate_unless_setup" && setupAuthenticated) return succeedPayment(s, pi);
      return failPayment(s, pi, {
        type: "card_error",
        code: "authentication_required",
        decline_code: "authentication_required",
        message: "Your card was declined. This transaction requires authentication.",
        doc_url: "https://stripe.com/docs/error-codes/authentication-required",
        payment_method: snapshot(pm),
      });
  }
}

export function succeedPayment(s: Store, pi: PaymentIntent): PaymentIntent {
  pi.status = "succeeded";
  pi.amount_received = pi.amount;
  pi.latest_charge = createCharge(s, pi).id;
  pi.next_action = null;
  s.emit("payment_intent.succeeded", pi);
  return pi;
}

export function failPayment(s: Store, pi: PaymentIntent, error: StripeErrorBody): never {
  pi.status = "requires_payment_method";
  pi.next_action = null;
  pi.last_payment_error = error;
  s.emit("payment_intent.payment_failed", pi);
  throw new HttpError(402, { ...error, payment_intent: snapshot(pi) });
}

export function cancelPayment(s: Store, pi: PaymentIntent): PaymentIntent {
  if (pi.status === "succeeded" || pi.status === "canceled") {
    throw badRequest(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`, "payment_intent_unexpected_state");
  }
  pi.status = "canceled";
  pi.canceled_at = nowSeconds();
  pi.cancellation_reason = "requested_by_customer";
  s.emit("payment_intent.canceled", pi);
  return pi;
}
