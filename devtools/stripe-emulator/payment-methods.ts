import { createHash } from "node:crypto";
import { checkCard } from "./cards";
import { badRequest, declineError, HttpError } from "./errors";
import { int, metadata, obj, ParamError, requireStr, str, type FormObject } from "./form";
import { list, nowSeconds, stripeId, type PaymentMethod } from "./objects";
import type { Ctx, Store } from "./store";

// Card PaymentMethods: created from a card number (browser, publishable key), attached to
// and detached from customers, listed per customer. Only the last four digits are kept.

export function createPaymentMethod(s: Store, f: FormObject): PaymentMethod {
  if ((str(f, "type") ?? "card") !== "card") throw badRequest("The emulator only supports type=card.", "parameter_invalid", "type");
  const card = obj(f, "card");
  if (!card) throw new ParamError("card", "Missing required param: card.", "parameter_missing");
  const number = requireStr(card, "number");
  const checked = checkCard({
    number,
    expMonth: Number(requireStr(card, "exp_month")),
    expYear: Number(requireStr(card, "exp_year")),
    cvc: str(card, "cvc"),
  });
  if (!checked.ok) {
    throw new HttpError(402, { type: "card_error", code: checked.code, decline_code: checked.declineCode, param: checked.param, message: checked.message });
  }
  const billing = obj(f, "billing_details") ?? {};
  const expYear = Number(card.exp_year);
  const pm: PaymentMethod = {
    id: stripeId("pm"),
    object: "payment_method",
    type: "card",
    created: nowSeconds(),
    customer: null,
    livemode: false,
    metadata: metadata(f),
    billing_details: { address: null, email: str(billing, "email") ?? null, name: str(billing, "name") ?? null, phone: null },
    card: {
      brand: checked.card.brand,
      display_brand: checked.card.brand,
      last4: checked.last4,
      exp_month: Number(card.exp_month),
      exp_year: expYear < 100 ? 2000 + expYear : expYear,
      funding: checked.card.funding,
      country: "US",
      // Stripe's fingerprint identifies a card number without revealing it.
      fingerprint: createHash("sha256")
        .update(`emulator:${number.replace(/\D/g, "")}`)
        .digest("base64url")
        .slice(0, 16),
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: card.cvc ? "pass" : "unchecked" },
      three_d_secure_usage: { supported: true },
      networks: { available: [checked.card.brand], preferred: null },
      wallet: null,
      generated_from: null,
    },
  };
  s.paymentMethods.set(pm.id, pm);
  s.internal.set(pm.id, { card: checked.card, setupAuthenticated: false });
  return pm;
}

export function attach(s: Store, pm: PaymentMethod, customerId: string): PaymentMethod {
  s.customer(customerId);
  if (pm.customer === customerId) return pm;
  if (pm.customer) throw badRequest("The payment method you provided has already been attached to a customer.", "payment_method_unexpected_state");
  const card = s.cardOf(pm).card;
  // Attaching runs a card check; a card that always declines cannot be saved.
  if (card.behavior === "decline") throw new HttpError(402, declineError(card, pm));
  pm.customer = customerId;
  s.emit("payment_method.attached", pm);
  return pm;
}

export function detach(s: Store, pm: PaymentMethod): PaymentMethod {
  if (!pm.customer) {
    throw badRequest(`The payment method you provided is not attached to a customer so detachment is impossible.`, "payment_method_unexpected_state");
  }
  const c = s.customers.get(pm.customer);
  if (c?.invoice_settings.default_payment_method === pm.id) c.invoice_settings.default_payment_method = null;
  pm.customer = null;
  s.emit("payment_method.detached", pm);
  return pm;
}

export function listPaymentMethods(s: Store, ctx: Ctx, customerId: string) {
  s.customer(customerId);
  const type = str(ctx.form, "type");
  const data = [...s.paymentMethods.values()].filter((pm) => pm.customer === customerId && (!type || pm.type === type)).sort((a, b) => b.created - a.created);
  return list("/v1/payment_methods", data, int(ctx.form, "limit") ?? 10);
}

/** The payment method a confirm call names, inline card data included (payment_method_data). */
export function paymentMethodFor(s: Store, f: FormObject, current: string | null, customer: string | null): PaymentMethod | null {
  const data = obj(f, "payment_method_data");
  const id = data ? createPaymentMethod(s, data).id : (str(f, "payment_method") ?? current);
  if (!id) return null;
  const pm = s.paymentMethod(id, "payment_method");
  if (pm.customer && pm.customer !== customer) {
    throw badRequest(
      customer
        ? `The provided PaymentMethod was previously attached to a different Customer.`
        : `The provided PaymentMethod belongs to a Customer, but you did not provide a Customer ID. Please provide the Customer ID to use this PaymentMethod.`,
      "payment_method_unexpected_state",
      "payment_method",
    );
  }
  return pm;
}
