import { allowedTypes, badRequest, declineError, HttpError } from "./errors";
import { bool, metadata, str } from "./form";
import { nowSeconds, snapshot, stripeId, type PaymentMethod, type SetupIntent } from "./objects";
import { attach, paymentMethodFor } from "./payment-methods";
import type { Ctx, Store } from "./store";

// SetupIntents: save a card for later (off-session) use, with 3-D Secure when the card asks.

export function createSetupIntent(s: Store, ctx: Ctx): SetupIntent {
  const f = ctx.form;
  const customer = str(f, "customer") ?? null;
  if (customer) s.customer(customer);
  const id = stripeId("seti");
  const usage = str(f, "usage") ?? "off_session";
  if (usage !== "off_session" && usage !== "on_session") throw badRequest("Invalid usage", "parameter_invalid", "usage");
  const si: SetupIntent = {
    id,
    object: "setup_intent",
    client_secret: `${id}_secret_${stripeId("x").slice(2)}`,
    created: nowSeconds(),
    customer,
    description: str(f, "description") ?? null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    metadata: metadata(f),
    next_action: null,
    payment_method: null,
    payment_method_types: ["card"],
    allowed_payment_method_types: allowedTypes(f),
    excluded_payment_method_types: null,
    automatic_payment_methods: null,
    status: "requires_payment_method",
    usage,
    cancellation_reason: null,
  };
  const pm = paymentMethodFor(s, f, null, customer);
  if (pm) {
    si.payment_method = pm.id;
    si.status = "requires_confirmation";
  }
  s.setupIntents.set(id, si);
  s.emit("setup_intent.created", si);
  return bool(f, "confirm") ? confirmSetup(s, { ...ctx, form: {} }, si) : si;
}

export function confirmSetup(s: Store, ctx: Ctx, si: SetupIntent): SetupIntent {
  if (si.status === "succeeded" || si.status === "canceled") {
    throw new HttpError(400, {
      type: "invalid_request_error",
      code: "setup_intent_unexpected_state",
      message: `You cannot confirm this SetupIntent because it has a status of ${si.status}.`,
      setup_intent: snapshot(si),
    });
  }
  const pm = paymentMethodFor(s, ctx.form, si.payment_method, si.customer);
  if (!pm) throw badRequest("You cannot confirm this SetupIntent because it's missing a payment method.", "setup_intent_unexpected_state", "payment_method");
  si.payment_method = pm.id;
  si.last_setup_error = null;
  si.latest_attempt = stripeId("setatt");
  const { card } = s.cardOf(pm);
  if (card.behavior === "decline") {
    si.status = "requires_payment_method";
    si.last_setup_error = declineError(card, pm);
    s.emit("setup_intent.setup_failed", si);
    throw new HttpError(402, { ...declineError(card, pm), setup_intent: snapshot(si) });
  }
  if (card.behavior === "authenticate_always" || card.behavior === "authenticate_unless_setup") {
    return s.requireAction(si, "setup_intent.requires_action");
  }
  return completeSetup(s, si, pm);
}

export function completeSetup(s: Store, si: SetupIntent, pm: PaymentMethod): SetupIntent {
  si.status = "succeeded";
  si.next_action = null;
  if (si.customer) attach(s, pm, si.customer);
  // A card set up for later use is what lets "authenticate unless set up" cards pay off-session.
  s.cardOf(pm).setupAuthenticated = true;
  s.emit("setup_intent.succeeded", si);
  return si;
}
