import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { billingAccounts, payments, users } from "@/db/schema";
import { getBillingDetails, type BillingDetails } from "./details";

// A receipt per successful payment: our payment record (scoped to the account) plus the
// card it was paid with, read from Stripe (the card number never reaches us; brand and
// last 4 digits are what Stripe shows too), and "Billed to": the billing name, address and
// tax IDs as the Stripe customer has them when the receipt is rendered.

export type Receipt = {
  paymentIntentId: string;
  amountMicroUsd: bigint;
  paidAt: Date;
  source: "manual" | "auto";
  accountId: string;
  accountEmail: string;
  card: { brand: string; last4: string } | null;
  /** Null when the account has no billing details, or they could not be read (billedToUnavailable). */
  billedTo: BillingDetails | null;
  billedToUnavailable: boolean;
};

export async function getReceipt(db: Queryable, stripe: Stripe, input: { accountId: string; paymentIntentId: string }): Promise<Receipt | null> {
  const [p] = await db
    .select({
      id: payments.paymentIntentId,
      amount: payments.amountReceivedMicroUsd,
      creditedAt: payments.creditedAt,
      updatedAt: payments.updatedAt,
      source: payments.source,
      status: payments.status,
      email: users.email,
    })
    .from(payments)
    .innerJoin(billingAccounts, eq(billingAccounts.id, payments.accountId))
    .innerJoin(users, eq(users.id, billingAccounts.ownerUserId))
    .where(and(eq(payments.paymentIntentId, input.paymentIntentId), eq(payments.accountId, input.accountId)));
  if (!p || p.status !== "succeeded") return null;
  let card: Receipt["card"] = null;
  try {
    const pi = await stripe.paymentIntents.retrieve(p.id);
    const pmId = typeof pi.payment_method === "string" ? pi.payment_method : pi.payment_method?.id;
    if (pmId) {
      const pm = await stripe.paymentMethods.retrieve(pmId);
      if (pm.card) card = { brand: pm.card.brand, last4: pm.card.last4 };
    }
  } catch (err) {
    // The receipt still stands on our own record; the card line says it could not be read.
    console.error("[billing] receipt: card details unavailable", err);
  }
  let billedTo: BillingDetails | null = null;
  let billedToUnavailable = false;
  try {
    billedTo = await getBillingDetails(db, stripe, input.accountId);
  } catch (err) {
    billedToUnavailable = true;
    console.error("[billing] receipt: billing details unavailable", err);
  }
  return {
    paymentIntentId: p.id,
    amountMicroUsd: p.amount,
    paidAt: p.creditedAt ?? p.updatedAt,
    source: p.source,
    accountId: input.accountId,
    accountEmail: p.email,
    card,
    billedTo,
    billedToUnavailable,
  };
}
