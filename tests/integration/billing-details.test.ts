import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccount } from "@/tests/helpers/accounts";
import { saveCard, startStripeTestbed, type StripeTestbed } from "@/tests/helpers/stripe";
import { BillingError, findCustomerId, getBillingDetails, removeTaxId, saveBillingDetails, topUp } from "@/lib/billing";
import { getReceipt } from "@/lib/billing/receipts";

// Billing details live on the Stripe customer: set through lib/billing, read back from the
// emulator through the real stripe SDK, never copied into our database.

let t: TestDb;
let tb: StripeTestbed;
beforeAll(async () => {
  t = await createTestDb();
  tb = await startStripeTestbed(t.db);
});
afterAll(async () => {
  await tb?.close();
  await t?.drop();
});

const acme = {
  name: "Acme GmbH",
  line1: "Unter den Linden 1",
  line2: "3. OG",
  city: "Berlin",
  postalCode: "10117",
  state: "",
  country: "DE",
  taxIdType: "eu_vat",
  taxIdValue: "DE 123 456 789",
};

const customerOf = async (accountId: string) => (await tb.stripe.customers.retrieve((await findCustomerId(t.db, accountId))!)) as Stripe.Customer;
const taxIdsOf = async (accountId: string) => (await tb.stripe.customers.listTaxIds((await findCustomerId(t.db, accountId))!)).data;

describe("billing details on the Stripe customer", () => {
  it("sets name, address and tax ID on the customer (created on first use) and reads them back from Stripe", async () => {
    const { accountId } = await makeAccount(t.db);
    expect(await findCustomerId(t.db, accountId)).toBeNull();
    expect(await getBillingDetails(t.db, tb.stripe, accountId)).toBeNull();

    const r = await saveBillingDetails(t.db, tb.stripe, { accountId, form: acme });
    expect(r.ok).toBe(true);
    const customer = await customerOf(accountId);
    expect(customer.metadata.account_id).toBe(accountId);
    expect(customer.name).toBe("Acme GmbH");
    expect(customer.address).toEqual({ line1: "Unter den Linden 1", line2: "3. OG", city: "Berlin", postal_code: "10117", state: null, country: "DE" });
    const taxIds = await taxIdsOf(accountId);
    expect(taxIds).toHaveLength(1);
    expect(taxIds[0]).toMatchObject({ object: "tax_id", type: "eu_vat", value: "DE123456789", country: "DE", verification: { status: "pending" } });

    expect(await getBillingDetails(t.db, tb.stripe, accountId)).toEqual({
      name: "Acme GmbH",
      email: customer.email,
      address: { line1: "Unter den Linden 1", line2: "3. OG", city: "Berlin", postalCode: "10117", state: null, country: "DE" },
      taxIds: [{ id: taxIds[0].id, type: "eu_vat", value: "DE123456789", country: "DE", verification: "pending" }],
    });
  });

  it("reuses the customer a card set-up created, replaces the tax ID, and clears what is left empty", async () => {
    const { accountId } = await makeAccount(t.db);
    await saveCard(t.db, tb, accountId);
    const customerId = await findCustomerId(t.db, accountId);
    await saveBillingDetails(t.db, tb.stripe, { accountId, form: acme });
    expect(await findCustomerId(t.db, accountId)).toBe(customerId);
    const [first] = await taxIdsOf(accountId);

    // Saving the same tax ID again keeps it (same id); a new one replaces it.
    await saveBillingDetails(t.db, tb.stripe, { accountId, form: acme });
    expect((await taxIdsOf(accountId)).map((x) => x.id)).toEqual([first.id]);
    const r = await saveBillingDetails(t.db, tb.stripe, {
      accountId,
      form: { ...acme, country: "GB", city: "London", taxIdType: "gb_vat", taxIdValue: "GB123456789" },
    });
    expect(r).toMatchObject({
      ok: true,
      details: { address: { country: "GB", city: "London" }, taxIds: [{ type: "gb_vat", value: "GB123456789", country: "GB" }] },
    });
    const after = await taxIdsOf(accountId);
    expect(after.map((x) => x.value)).toEqual(["GB123456789"]);
    expect(tb.emu.emulator.taxIds.has(first.id)).toBe(false);

    // Everything cleared: no name, no address, no tax ID.
    const empty = { name: "", line1: "", line2: "", city: "", postalCode: "", state: "", country: "", taxIdType: "", taxIdValue: "" };
    expect(await saveBillingDetails(t.db, tb.stripe, { accountId, form: empty })).toMatchObject({ ok: true });
    const c = await customerOf(accountId);
    expect(c.name).toBeNull();
    expect(c.address).toBeNull();
    expect(await taxIdsOf(accountId)).toEqual([]);
    expect(c.id).toBe(customerId);
  });

  it("refuses a bad country and a bad tax ID with field errors; Stripe's tax_id_invalid too, leaving everything as it was", async () => {
    const { accountId } = await makeAccount(t.db);
    expect(await saveBillingDetails(t.db, tb.stripe, { accountId, form: { ...acme, country: "Germany" } })).toEqual({
      ok: false,
      errors: { country: expect.stringMatching(/Choose a country from the list/) },
    });
    expect(await saveBillingDetails(t.db, tb.stripe, { accountId, form: { ...acme, taxIdValue: "123456789" } })).toEqual({
      ok: false,
      errors: { taxIdValue: expect.stringMatching(/2-letter prefix/) },
    });
    // Refused before Stripe: no customer was even created.
    expect(await findCustomerId(t.db, accountId)).toBeNull();

    await saveBillingDetails(t.db, tb.stripe, { accountId, form: acme });
    const before = await customerOf(accountId);
    const beforeTaxIds = await taxIdsOf(accountId);
    // Looks like an EU VAT number to our loose check; Stripe knows German numbers have 9 digits.
    const r = await saveBillingDetails(t.db, tb.stripe, { accountId, form: { ...acme, name: "Other Ltd", taxIdValue: "DE12345" } });
    expect(r).toEqual({ ok: false, errors: { taxIdValue: expect.stringMatching(/Stripe did not accept this tax ID/) } });
    const after = await customerOf(accountId);
    expect(after.name).toBe(before.name);
    expect(after.address).toEqual(before.address);
    expect(await taxIdsOf(accountId)).toEqual(beforeTaxIds);
  });

  it("keeps accounts apart: one account's calls never read or change another's customer", async () => {
    const a = await makeAccount(t.db);
    const b = await makeAccount(t.db);
    await saveBillingDetails(t.db, tb.stripe, { accountId: a.accountId, form: acme });
    const [aTax] = await taxIdsOf(a.accountId);

    // B has no customer yet: it sees nothing, and A's tax ID is "not found" for B.
    expect(await getBillingDetails(t.db, tb.stripe, b.accountId)).toBeNull();
    await expect(removeTaxId(t.db, tb.stripe, { accountId: b.accountId, taxIdId: aTax.id })).rejects.toMatchObject({ code: "tax_id_not_found" });

    // B saving its own details creates B's own customer and leaves A's untouched.
    await saveBillingDetails(t.db, tb.stripe, {
      accountId: b.accountId,
      form: { ...acme, name: "B Corp", taxIdType: "us_ein", taxIdValue: "12-3456789", country: "US", state: "NY", postalCode: "10001" },
    });
    expect(await findCustomerId(t.db, b.accountId)).not.toBe(await findCustomerId(t.db, a.accountId));
    expect((await getBillingDetails(t.db, tb.stripe, b.accountId))!.name).toBe("B Corp");
    const err = await removeTaxId(t.db, tb.stripe, { accountId: b.accountId, taxIdId: aTax.id }).catch((e) => e);
    expect(err).toBeInstanceOf(BillingError);
    expect(err.code).toBe("tax_id_not_found");
    await expect(removeTaxId(t.db, tb.stripe, { accountId: b.accountId, taxIdId: "cus_not_a_tax_id" })).rejects.toMatchObject({ code: "tax_id_not_found" });

    const aNow = await getBillingDetails(t.db, tb.stripe, a.accountId);
    expect(aNow).toMatchObject({ name: "Acme GmbH", taxIds: [{ id: aTax.id, value: "DE123456789" }] });

    // A removes its own.
    await removeTaxId(t.db, tb.stripe, { accountId: a.accountId, taxIdId: aTax.id });
    expect(await taxIdsOf(a.accountId)).toEqual([]);
  });

  it("shows the billing details on a receipt, as the customer has them when the receipt is read", async () => {
    const { accountId } = await makeAccount(t.db);
    const pm = await saveCard(t.db, tb, accountId);
    const paid = await topUp(t.db, tb.stripe, { accountId, amountCents: 500, paymentMethodId: pm });
    if (paid.status !== "succeeded") throw new Error(`top-up: ${paid.status}`);
    const before = await getReceipt(t.db, tb.stripe, { accountId, paymentIntentId: paid.paymentIntentId });
    expect(before).toMatchObject({ billedTo: { name: null, address: null, taxIds: [] }, billedToUnavailable: false });

    await saveBillingDetails(t.db, tb.stripe, { accountId, form: acme });
    const receipt = await getReceipt(t.db, tb.stripe, { accountId, paymentIntentId: paid.paymentIntentId });
    expect(receipt?.billedTo).toMatchObject({ name: "Acme GmbH", address: { line1: "Unter den Linden 1", country: "DE" }, taxIds: [{ value: "DE123456789" }] });

    // Another account cannot read this receipt at all.
    const other = await makeAccount(t.db);
    expect(await getReceipt(t.db, tb.stripe, { accountId: other.accountId, paymentIntentId: paid.paymentIntentId })).toBeNull();
  });
});
