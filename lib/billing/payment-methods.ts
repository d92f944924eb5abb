import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { autoTopUpSettings } from "@/db/schema";
import { ensureCustomer, findCustomerId } from "./customers";
import { BillingError, billingErrorFromStripe } from "./errors";

export type SavedCard = {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  createdAt: Date;
};

function toSavedCard(pm: Stripe.PaymentMethod): SavedCard {
  return {
    id: pm.id,
    brand: pm.card?.brand ?? "card",
    last4: pm.card?.last4 ?? "????",
    expMonth: pm.card?.exp_month ?? 0,
    expYear: pm.card?.exp_year ?? 0,
    createdAt: new Date(pm.created * 1000),
  };
}

/**
 * Starts "Add payment method": a SetupIntent for the account's customer whose client
 * secret the Payment Element confirms in the browser. The card goes browser → Stripe.
 */
export async function createSetupIntent(
  db: Queryable,
  stripe: Stripe,
  input: { accountId: string; requestKey?: string },
): Promise<{ setupIntentId: string; clientSecret: string }> {
  try {
    const customer = await ensureCustomer(db, stripe, input.accountId);
    const si = await stripe.setupIntents.create(
      { customer, allowed_payment_method_types: ["card"], usage: "off_session", metadata: { account_id: input.accountId } },
      { idempotencyKey: `setup:${input.accountId}:${input.requestKey ?? randomUUID()}` },
    );
    return { setupIntentId: si.id, clientSecret: si.client_secret! };
  } catch (err) {
    throw billingErrorFromStripe(err);
  }
}

/** The account's saved cards, newest first. No customer yet means no cards (and no Stripe call). */
export async function listPaymentMethods(db: Queryable, stripe: Stripe, accountId: string): Promise<SavedCard[]> {
  const customer = await findCustomerId(db, accountId);
  if (!customer) return [];
  try {
    const res = await stripe.paymentMethods.list({ customer, type: "card", limit: 100 });
    return res.data.map(toSavedCard).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  } catch (err) {
    throw billingErrorFromStripe(err);
  }
}

/**
 * Loads a payment method and proves it is this account's. Anything else (another
 * customer's card, an unknown id) is "not found", so ids cannot be probed.
 */
export async function ownedPaymentMethod(db: Queryable, stripe: Stripe, accountId: string, paymentMethodId: string): Promise<Stripe.PaymentMethod> {
  const notFound = new BillingError("payment_method_not_found", "That card is not saved on your account. Add it again, or choose another card.");
  if (!/^pm_[A-Za-z0-9_]+$/.test(paymentMethodId)) throw notFound;
  const customer = await findCustomerId(db, accountId);
  if (!customer) throw notFound;
  let pm: Stripe.PaymentMethod;
  try {
    pm = await stripe.paymentMethods.retrieve(paymentMethodId);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "resource_missing") throw notFound;
    throw billingErrorFromStripe(err);
  }
  const owner = typeof pm.customer === "string" ? pm.customer : pm.customer?.id;
  if (owner !== customer) throw notFound;
  return pm;
}

/** Removes a saved card, only if it is the account's own. Auto top-up forgets it too. */
export async function detachPaymentMethod(db: Queryable, stripe: Stripe, input: { accountId: string; paymentMethodId: string }): Promise<void> {
  await ownedPaymentMethod(db, stripe, input.accountId, input.paymentMethodId);
  try {
    await stripe.paymentMethods.detach(input.paymentMethodId);
  } catch (err) {
    throw billingErrorFromStripe(err);
  }
  await db.update(autoTopUpSettings).set({ paymentMethodId: null, updatedAt: new Date() }).where(eq(autoTopUpSettings.paymentMethodId, input.paymentMethodId));
}
