import { badRequest } from "./errors";
import { requireStr } from "./form";
import { snapshot, type StripeErrorBody } from "./objects";
import { succeedPayment } from "./payment-intents";
import { completeSetup } from "./setup-intents";
import type { Ctx, Store } from "./store";

// What Stripe's hosted 3-D Secure challenge does: the stand-in's dialog reports the
// user's choice to POST /_emulator/3ds/:id (not a Stripe endpoint).

export function authenticate(s: Store, ctx: Ctx, id: string) {
  const intent = id.startsWith("seti_") ? s.setupIntent(id) : s.paymentIntent(id);
  s.checkSecret(ctx, intent);
  if (intent.status !== "requires_action") {
    throw badRequest(`This ${intent.object} does not need authentication (status ${intent.status}).`, "intent_unexpected_state");
  }
  const outcome = requireStr(ctx.form, "outcome");
  const pm = s.paymentMethod(intent.payment_method!);
  if (outcome === "complete") {
    return intent.object === "setup_intent" ? completeSetup(s, intent, pm) : succeedPayment(s, intent);
  }
  if (outcome !== "fail") throw badRequest("outcome must be complete or fail", "parameter_invalid", "outcome");
  const error: StripeErrorBody = {
    type: "invalid_request_error",
    code: intent.object === "setup_intent" ? "setup_intent_authentication_failure" : "payment_intent_authentication_failure",
    message: "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
    payment_method: snapshot(pm),
  };
  intent.status = "requires_payment_method";
  intent.next_action = null;
  if (intent.object === "setup_intent") {
    intent.last_setup_error = error;
    s.emit("setup_intent.setup_failed", intent);
  } else {
    intent.last_payment_error = error;
    s.emit("payment_intent.payment_failed", intent);
  }
  return intent;
}
