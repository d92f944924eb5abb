import Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { ensureCustomer, findCustomerId } from "./customers";
import { billingErrorFromStripe, BillingError } from "./errors";
import { validateBillingDetails, type BillingAddress, type BillingDetailsField, type FieldErrors, type ValidBillingDetails } from "./details-validation";

// Billing details (name, address, tax IDs) live on the account's Stripe customer: Stripe
// is where they are kept and read from (the billing page, every receipt at render time),
// never copied into our database. Only the customer id mapping (stripe_customers) is ours,
// and every call goes through it, so an account reads and changes its own customer only.

export type { BillingAddress };
export type BillingTaxId = { id: string; type: string; value: string; country: string | null; verification: string | null };
export type BillingDetails = { name: string | null; email: string | null; address: BillingAddress | null; taxIds: BillingTaxId[] };

export type SaveBillingDetailsResult = { ok: true; details: BillingDetails } | { ok: false; errors: FieldErrors };

const toTaxId = (t: Stripe.TaxId): BillingTaxId => ({
  id: t.id,
  type: t.type,
  value: t.value,
  country: t.country,
  verification: t.verification?.status ?? null,
});

async function readCustomer(stripe: Stripe, customerId: string): Promise<BillingDetails> {
  const [customer, taxIds] = await Promise.all([stripe.customers.retrieve(customerId), stripe.customers.listTaxIds(customerId, { limit: 100 })]);
  if (customer.deleted) return { name: null, email: null, address: null, taxIds: [] };
  const a = customer.address;
  return {
    name: customer.name ?? null,
    email: customer.email ?? null,
    address: a ? { line1: a.line1, line2: a.line2, city: a.city, postalCode: a.postal_code, state: a.state, country: a.country } : null,
    taxIds: taxIds.data.map(toTaxId),
  };
}

/** The account's billing details as Stripe has them; null when the account has no Stripe customer yet (no Stripe call). */
export async function getBillingDetails(db: Queryable, stripe: Stripe, accountId: string): Promise<BillingDetails | null> {
  const customer = await findCustomerId(db, accountId);
  if (!customer) return null;
  try {
    return await readCustomer(stripe, customer);
  } catch (err) {
    throw billingErrorFromStripe(err);
  }
}

// Stripe's refusals that are about one field of the form, by the parameter Stripe names.
const FIELD_OF_PARAM: Record<string, BillingDetailsField> = {
  name: "name",
  "address[line1]": "line1",
  "address[line2]": "line2",
  "address[city]": "city",
  "address[postal_code]": "postalCode",
  "address[state]": "state",
  "address[country]": "country",
  type: "taxIdType",
  value: "taxIdValue",
};

function fieldErrorFromStripe(err: unknown): FieldErrors | null {
  if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) return null;
  if (err.code === "tax_id_invalid") {
    return { taxIdValue: "Stripe did not accept this tax ID: check it against the example for its type (and its country prefix, for an EU VAT number)." };
  }
  const field = err.param ? FIELD_OF_PARAM[err.param] : undefined;
  if (!field) return null;
  return { [field]: `Stripe did not accept this value: ${err.message}` };
}

/**
 * Validates the form, then sets it on the account's Stripe customer (created first if the
 * account has none, as adding a card does): the name and address with customers.update,
 * the tax ID as the customer's only one (the new one is created before the old ones are
 * deleted, so a refused tax ID leaves everything as it was). Empty fields clear: no name,
 * no address, no tax ID. Field problems, ours or Stripe's, come back as field errors.
 */
export async function saveBillingDetails(
  db: Queryable,
  stripe: Stripe,
  input: { accountId: string; form: Partial<Record<BillingDetailsField, unknown>> },
): Promise<SaveBillingDetailsResult> {
  const checked = validateBillingDetails(input.form);
  if (!checked.ok) return { ok: false, errors: checked.errors };
  const { name, address, taxId } = checked.value;
  try {
    const customer = await ensureCustomer(db, stripe, input.accountId);
    const existing = (await stripe.customers.listTaxIds(customer, { limit: 100 })).data;
    let keep: string | null = null;
    let created: string | null = null;
    if (taxId) {
      const same = existing.find((t) => t.type === taxId.type && t.value === taxId.value);
      if (!same) created = (await stripe.customers.createTaxId(customer, { type: taxId.type, value: taxId.value })).id;
      keep = same?.id ?? created;
    }
    await updateNameAndAddress(stripe, customer, name, address).catch(async (err) => {
      // Refused: the tax ID added a moment ago goes too, so a refusal leaves nothing changed.
      if (created) await stripe.customers.deleteTaxId(customer, created).catch(() => undefined);
      throw err;
    });
    for (const t of existing) if (t.id !== keep) await stripe.customers.deleteTaxId(customer, t.id);
    return { ok: true, details: await readCustomer(stripe, customer) };
  } catch (err) {
    const errors = fieldErrorFromStripe(err);
    if (errors) return { ok: false, errors };
    throw billingErrorFromStripe(err);
  }
}

function updateNameAndAddress(stripe: Stripe, customer: string, name: string | null, address: ValidBillingDetails["address"]) {
  return stripe.customers.update(customer, {
    name: name ?? "",
    address: address
      ? {
          line1: address.line1,
          line2: address.line2 ?? "",
          city: address.city,
          postal_code: address.postalCode ?? "",
          state: address.state ?? "",
          country: address.country,
        }
      : "",
  });
}

/** Removes one tax ID, only the account's own (Stripe scopes it to the customer: another's is not found). */
export async function removeTaxId(db: Queryable, stripe: Stripe, input: { accountId: string; taxIdId: string }): Promise<void> {
  const notFound = new BillingError("tax_id_not_found", "That tax ID is not on your billing details. Reload the page.");
  if (!/^txi_[A-Za-z0-9_]+$/.test(input.taxIdId)) throw notFound;
  const customer = await findCustomerId(db, input.accountId);
  if (!customer) throw notFound;
  try {
    await stripe.customers.deleteTaxId(customer, input.taxIdId);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "resource_missing") throw notFound;
    throw billingErrorFromStripe(err);
  }
}
