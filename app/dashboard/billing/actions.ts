"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import { currentAccount, VERIFY_FIRST_MESSAGE } from "@/lib/auth/session";
import {
  BILLING_DETAILS_FIELDS,
  BillingError,
  confirmTopUp,
  createSetupIntent,
  detachPaymentMethod,
  parseTopUpAmount,
  removeTaxId,
  saveBillingDetails,
  setAutoTopUp,
  topUp,
  type BillingDetailsField,
  type FieldErrors,
  type TopUpResult,
} from "@/lib/billing";
import { getStripe } from "@/lib/billing/server";
import { checkPaymentVelocity, type PaymentAction } from "@/lib/billing/velocity";
import { clientIp } from "@/lib/auth/client-ip";
import { formatMoney, formatUsd, MICRO_PER_CENT, parseUsd } from "@/lib/money";
import { budgetAlertsChanged } from "@/lib/billing/after-settle";
import { addBudgetAlert, BudgetAlertError, removeBudgetAlert } from "@/lib/billing/budget-alerts";
import { ForbiddenError } from "@/lib/orgs/roles";

// Every action takes the account from the session, never from the browser; card and
// payment ids from the browser are checked against that account's Stripe customer in
// lib/billing. Amounts are parsed and validated here, on the server.

export type ActionError = { ok: false; code: string; error: string };

export type TopUpState =
  | { ok: true; status: "succeeded"; paymentIntentId: string; credited: string; balance: string; balanceMicroUsd: string }
  | { ok: true; status: "requires_action"; paymentIntentId: string; clientSecret: string }
  | { ok: true; status: "processing"; paymentIntentId: string }
  | ActionError;

const SIGNED_OUT: ActionError = { ok: false, code: "signed_out", error: "Your session has ended. Sign in again." };
// An unverified account may sign in only to see its verification state (lib/auth/session.ts).
const UNVERIFIED: ActionError = { ok: false, code: "email_not_verified", error: VERIFY_FIRST_MESSAGE };
// Every action here moves or configures the organization's money: billing.manage (owners and
// the billing role; lib/orgs/roles.ts).
const FORBIDDEN: ActionError = { ok: false, code: "forbidden", error: new ForbiddenError("billing.manage").message };

function fail(err: unknown): ActionError {
  if (err instanceof BillingError) return { ok: false, code: err.code, error: err.message };
  console.error("[billing] action failed:", err);
  return { ok: false, code: "internal_error", error: "Something went wrong on our side. Nothing was charged; try again." };
}

/** Payments configured (getStripe throws otherwise), then this attempt counted against the velocity limits. */
async function stripeForAttempt(action: PaymentAction, accountId: string) {
  const stripe = getStripe();
  await checkPaymentVelocity(action, { accountId, ip: clientIp(await headers()) });
  return stripe;
}

async function present(r: TopUpResult): Promise<TopUpState> {
  if (r.status === "succeeded") {
    revalidatePath("/dashboard", "layout");
    return {
      ok: true,
      status: "succeeded",
      paymentIntentId: r.paymentIntentId,
      credited: formatUsd(r.creditedMicroUsd),
      balance: formatUsd(r.balanceMicroUsd),
      balanceMicroUsd: r.balanceMicroUsd.toString(),
    };
  }
  return { ok: true, ...r };
}

export async function createSetupIntentAction(): Promise<{ ok: true; clientSecret: string } | ActionError> {
  const session = await currentAccount();
  if (!session) return SIGNED_OUT;
  if (!session.can("billing.manage")) return FORBIDDEN;
  if (!session.emailVerifiedAt) return UNVERIFIED;
  try {
    const stripe = await stripeForAttempt("card_setup", session.account.id);
    const { clientSecret } = await createSetupIntent(session.db, stripe, { accountId: session.account.id });
    return { ok: true, clientSecret };
  } catch (err) {
    return fail(err);
  }
}

export async function removeCardAction(paymentMethodId: string): Promise<{ ok: true } | ActionError> {
  const session = await currentAccount();
  if (!session) return SIGNED_OUT;
  if (!session.can("billing.manage")) return FORBIDDEN;
  if (!session.emailVerifiedAt) return UNVERIFIED;
  try {
    await detachPaymentMethod(session.db, getStripe(), { accountId: session.account.id, paymentMethodId: String(paymentMethodId) });
    revalidatePath("/dashboard/billing");
    return { ok: true };
  } catch (err) {
    return fail(err);
  }
}

const topUpInput = z.object({
  amount: z.string().max(32),
  paymentMethodId: z.string().min(1, "Choose a card to charge.").max(255),
  requestKey: z.string().min(8).max(64),
});

export async function topUpAction(input: { amount: string; paymentMethodId: string; requestKey: string }): Promise<TopUpState> {
  const session = await currentAccount();
  if (!session) return SIGNED_OUT;
  if (!session.can("billing.manage")) return FORBIDDEN;
  if (!session.emailVerifiedAt) return UNVERIFIED;
  const parsed = topUpInput.safeParse(input);
  if (!parsed.success) return { ok: false, code: "invalid_request", error: parsed.error.issues[0].message };
  try {
    const amountCents = parseTopUpAmount(parsed.data.amount);
    const stripe = await stripeForAttempt("topup", session.account.id);
    const r = await topUp(session.db, stripe, {
      accountId: session.account.id,
      amountCents,
      paymentMethodId: parsed.data.paymentMethodId,
      requestKey: parsed.data.requestKey,
    });
    return present(r);
  } catch (err) {
    return fail(err);
  }
}

/** After the browser finished 3-D Secure: the server re-reads the payment from Stripe. */
export async function confirmTopUpAction(paymentIntentId: string): Promise<TopUpState> {
  const session = await currentAccount();
  if (!session) return SIGNED_OUT;
  if (!session.can("billing.manage")) return FORBIDDEN;
  if (!session.emailVerifiedAt) return UNVERIFIED;
  try {
    return present(await confirmTopUp(session.db, getStripe(), { accountId: session.account.id, paymentIntentId: String(paymentIntentId) }));
  } catch (err) {
    return fail(err);
  }
}

const dollarsToCents = (s: string, what: string) => {
  const micro = parseUsd(s, 2);
  if (micro === null) throw new BillingError("invalid_settings", `Enter the ${what} in dollars and cents, for example 10.00.`);
  return Number(micro / MICRO_PER_CENT);
};

export async function saveAutoTopUpAction(input: {
  enabled: boolean;
  threshold: string;
  amount: string;
  paymentMethodId: string | null;
}): Promise<{ ok: true } | ActionError> {
  const session = await currentAccount();
  if (!session) return SIGNED_OUT;
  if (!session.can("billing.manage")) return FORBIDDEN;
  if (!session.emailVerifiedAt) return UNVERIFIED;
  try {
    await setAutoTopUp(session.db, getStripe(), {
      accountId: session.account.id,
      enabled: Boolean(input.enabled),
      thresholdCents: dollarsToCents(String(input.threshold), "threshold"),
      amountCents: dollarsToCents(String(input.amount), "amount"),
      paymentMethodId: input.paymentMethodId ? String(input.paymentMethodId) : null,
    });
    revalidatePath("/dashboard/billing");
    return { ok: true };
  } catch (err) {
    return fail(err);
  }
}

export type BudgetAlertState = { ok: true; message: string } | { ok: false; error: string } | undefined;

/** Adds a monthly spend alert (USD, up to cents). */
export async function addBudgetAlertAction(_prev: BudgetAlertState, form: FormData): Promise<BudgetAlertState> {
  const session = await currentAccount();
  if (!session) return { ok: false, error: "Your session has ended. Sign in again." };
  if (!session.can("billing.manage")) return { ok: false, error: FORBIDDEN.error };
  if (!session.emailVerifiedAt) return { ok: false, error: UNVERIFIED.error };
  const thresholdMicroUsd = parseUsd(String(form.get("threshold") ?? ""));
  if (thresholdMicroUsd === null || thresholdMicroUsd <= 0n) return { ok: false, error: "Enter a monthly amount in dollars, e.g. 25 or 7.50." };
  try {
    await addBudgetAlert(session.db, { accountId: session.account.id, thresholdMicroUsd });
  } catch (err) {
    if (err instanceof BudgetAlertError) return { ok: false, error: err.message };
    throw err;
  }
  budgetAlertsChanged(session.account.id);
  revalidatePath("/dashboard/billing");
  return { ok: true, message: `You will get an email when this month's spend reaches ${formatMoney(thresholdMicroUsd)}.` };
}

export async function removeBudgetAlertAction(form: FormData): Promise<void> {
  const session = await currentAccount();
  if (!session) return;
  if (!session.can("billing.manage")) return;
  if (!session.emailVerifiedAt) return;
  const id = form.get("alertId");
  if (typeof id !== "string") return;
  await removeBudgetAlert(session.db, { accountId: session.account.id, id });
  budgetAlertsChanged(session.account.id);
  revalidatePath("/dashboard/billing");
}

export type BillingDetailsState =
  { ok: true; message: string } | { ok: false; error: string; errors: FieldErrors; values: Partial<Record<BillingDetailsField, string>> } | undefined;

/** Sets the billing name, address and tax ID on the session account's Stripe customer. */
export async function saveBillingDetailsAction(_prev: BillingDetailsState, form: FormData): Promise<BillingDetailsState> {
  const values = Object.fromEntries(BILLING_DETAILS_FIELDS.map((k) => [k, String(form.get(k) ?? "")])) as Record<BillingDetailsField, string>;
  const session = await currentAccount();
  if (!session) return { ok: false, error: SIGNED_OUT.error, errors: {}, values };
  if (!session.can("billing.manage")) return { ok: false, error: FORBIDDEN.error, errors: {}, values };
  if (!session.emailVerifiedAt) return { ok: false, error: UNVERIFIED.error, errors: {}, values };
  try {
    const r = await saveBillingDetails(session.db, getStripe(), { accountId: session.account.id, form: values });
    if (!r.ok) return { ok: false, error: "Check the fields marked below; nothing was saved.", errors: r.errors, values };
  } catch (err) {
    return { ok: false, error: fail(err).error, errors: {}, values };
  }
  revalidatePath("/dashboard/billing");
  return { ok: true, message: "Billing details saved. They appear on your receipts." };
}

/** Removes one tax ID from the billing details (the form's hidden taxIdId, checked against the session account's customer). */
export async function removeTaxIdAction(form: FormData): Promise<void> {
  const session = await currentAccount();
  if (!session) return;
  if (!session.can("billing.manage")) return;
  if (!session.emailVerifiedAt) return;
  const id = form.get("taxIdId");
  if (typeof id !== "string") return;
  try {
    await removeTaxId(session.db, getStripe(), { accountId: session.account.id, taxIdId: id });
  } catch (err) {
    // Not this account's, or already gone: the page shows what Stripe has either way.
    if (!(err instanceof BillingError)) throw err;
  }
  revalidatePath("/dashboard/billing");
}
