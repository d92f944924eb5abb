import { badRequest, notFound } from "./errors";
import { int, str, type FormObject } from "./form";
import { nowSeconds, stripeId, type Metadata, type PaymentIntent } from "./objects";
import type { Store } from "./store";

// Charges, refunds and disputes: what happens to a payment after it succeeded.
//   POST /v1/refunds {payment_intent | charge, amount?, reason?}   (Stripe's API)
//   POST /_emulator/disputes {payment_intent | charge, amount?, reason?, inquiry?}   (not
//        Stripe: in test mode Stripe opens disputes only for special card numbers, some time
//        later; tests open one at once here. inquiry=true opens an inquiry, Stripe's
//        status warning_needs_response: no funds withdrawn yet)
//   POST /_emulator/disputes/:id/close {outcome: won | lost | warning_closed}   (not Stripe:
//        Stripe closes a dispute when the card network decides, weeks later; tests decide
//        here. Only an open dispute can be closed, once; warning_closed closes an inquiry)
// Events as Stripe sends them: charge.refunded (the Charge, amount_refunded being the
// running total) with refund.created, charge.dispute.created (the Dispute), and on close
// charge.dispute.closed (the Dispute, status won, lost or warning_closed) followed, when won, by
// charge.dispute.funds_reinstated (the disputed amount comes back to the merchant).

export type Charge = {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  disputed: boolean;
  livemode: false;
  metadata: Metadata;
  paid: boolean;
  payment_intent: string;
  payment_method: string | null;
  refunded: boolean;
  status: "succeeded";
};

export type Refund = {
  id: string;
  object: "refund";
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Metadata;
  payment_intent: string;
  reason: string | null;
  status: "succeeded";
};

export type Dispute = {
  id: string;
  object: "dispute";
  amount: number;
  charge: string;
  created: number;
  currency: string;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Metadata;
  payment_intent: string;
  reason: string;
  status: "needs_response" | "warning_needs_response" | "won" | "lost" | "warning_closed";
};

/** The charge behind a succeeded PaymentIntent (its latest_charge). */
export function createCharge(s: Store, pi: PaymentIntent): Charge {
  const charge: Charge = {
    id: stripeId("ch"),
    object: "charge",
    amount: pi.amount,
    amount_captured: pi.amount,
    amount_refunded: 0,
    captured: true,
    created: nowSeconds(),
    currency: pi.currency,
    customer: pi.customer,
    disputed: false,
    livemode: false,
    metadata: { ...pi.metadata },
    paid: true,
    payment_intent: pi.id,
    payment_method: pi.payment_method,
    refunded: false,
    status: "succeeded",
  };
  s.charges.set(charge.id, charge);
  return charge;
}

export function charge(s: Store, id: string, param = "id"): Charge {
  const c = s.charges.get(id);
  if (!c) throw notFound("charge", id, param);
  return c;
}

function chargeFrom(s: Store, form: FormObject): Charge {
  const chargeId = str(form, "charge");
  if (chargeId) return charge(s, chargeId, "charge");
  const piId = str(form, "payment_intent");
  if (!piId) throw badRequest("You must pass either a charge or a payment_intent.", "parameter_missing", "charge");
  const pi = s.paymentIntents.get(piId);
  if (!pi) throw notFound("payment_intent", piId, "payment_intent");
  if (!pi.latest_charge) throw badRequest(`PaymentIntent ${piId} does not have a successful charge to refund.`, "charge_not_refundable", "payment_intent");
  return charge(s, pi.latest_charge, "payment_intent");
}

export function createRefund(s: Store, form: FormObject): Refund {
  const c = chargeFrom(s, form);
  const remaining = c.amount - c.amount_refunded;
  if (remaining <= 0) throw badRequest(`Charge ${c.id} has already been refunded.`, "charge_already_refunded");
  if (c.disputed) throw badRequest(`Charge ${c.id} has been charged back; you cannot issue a refund.`, "charge_disputed");
  const amount = int(form, "amount") ?? remaining;
  if (amount < 1) throw badRequest("Refund amount must be a positive integer.", "parameter_invalid_integer", "amount");
  if (amount > remaining) {
    throw badRequest(
      `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(remaining / 100).toFixed(2)})`,
      "amount_too_large",
      "amount",
    );
  }
  const refund: Refund = {
    id: stripeId("re"),
    object: "refund",
    amount,
    charge: c.id,
    created: nowSeconds(),
    currency: c.currency,
    metadata: {},
    payment_intent: c.payment_intent,
    reason: str(form, "reason") ?? null,
    status: "succeeded",
  };
  s.refunds.set(refund.id, refund);
  c.amount_refunded += amount;
  c.refunded = c.amount_refunded === c.amount;
  s.emit("refund.created", refund);
  s.emit("charge.refunded", c);
  return refund;
}

export function createDispute(s: Store, form: FormObject): Dispute {
  const c = chargeFrom(s, form);
  if (c.disputed) throw badRequest(`Charge ${c.id} is already disputed.`, "charge_disputed");
  const amount = int(form, "amount") ?? c.amount - c.amount_refunded;
  if (amount < 1 || amount > c.amount) throw badRequest("Dispute amount must be between 1 and the charge's amount.", "parameter_invalid_integer", "amount");
  const dispute: Dispute = {
    id: stripeId("dp"),
    object: "dispute",
    amount,
    charge: c.id,
    created: nowSeconds(),
    currency: c.currency,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: c.payment_intent,
    reason: str(form, "reason") ?? "fraudulent",
    status: str(form, "inquiry") === "true" ? "warning_needs_response" : "needs_response",
  };
  s.disputes.set(dispute.id, dispute);
  c.disputed = true;
  s.emit("charge.dispute.created", dispute);
  return dispute;
}

export function closeDispute(s: Store, id: string, form: FormObject): Dispute {
  const dispute = s.disputes.get(id);
  if (!dispute) throw notFound("dispute", id);
  const outcome = str(form, "outcome");
  if (outcome !== "won" && outcome !== "lost" && outcome !== "warning_closed") {
    throw badRequest("outcome must be won, lost or warning_closed.", "parameter_invalid_string", "outcome");
  }
  if (dispute.status !== "needs_response" && dispute.status !== "warning_needs_response") {
    throw badRequest(`Dispute ${id} is already closed (${dispute.status}).`, "dispute_already_closed");
  }
  // An inquiry closes as warning_closed (no chargeback); a chargeback is won or lost.
  if ((dispute.status === "warning_needs_response") !== (outcome === "warning_closed")) {
    throw badRequest(`Dispute ${id} (${dispute.status}) cannot close as ${outcome}.`, "parameter_invalid_string", "outcome");
  }
  dispute.status = outcome;
  s.emit("charge.dispute.closed", dispute);
  if (outcome === "won") s.emit("charge.dispute.funds_reinstated", dispute);
  return dispute;
}
