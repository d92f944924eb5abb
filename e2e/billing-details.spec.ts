import { BillingPage, expect, test } from "./fixtures";
import { expectAccessible } from "./site";

// Issue 14 item 7, billing details: a developer sets the billing name, address and tax ID
// on the billing page (kept on the Stripe customer, here the emulator), sees them saved,
// has a bad value refused on its own field, and finds them on a receipt under "Billed to".

test("billing details: set, refused per field, replaced, and shown on a receipt", async ({ page, user }) => {
  await page.goto("/dashboard/billing?tab=details");
  await expect(page.getByTestId("billing-details-current")).toContainText("No billing details yet");
  const form = page.getByTestId("billing-details-form");

  await form.getByLabel("Billing name (company or person)").fill("Acme GmbH");
  await form.getByLabel("Address line 1").fill("Unter den Linden 1");
  await form.getByLabel("City").fill("Berlin");
  await form.getByLabel("Postal code").fill("10117");
  await form.getByLabel("Country").selectOption("DE");
  await form.getByLabel("Tax ID type").selectOption("eu_vat");
  // No country prefix: refused on the tax ID field, before Stripe; what was typed stays.
  await form.getByLabel("Tax ID", { exact: true }).fill("123456789");
  await page.getByTestId("billing-details-save").click();
  await expect(page.getByTestId("billing-taxIdValue-error")).toContainText("2-letter prefix");
  await expect(form.getByLabel("Tax ID", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("City")).toHaveValue("Berlin");
  await expectAccessible(page, "/dashboard/billing (a billing details field error)");

  // Fits our loose check, but not Germany's 9 digits: Stripe's tax_id_invalid, on the same field.
  await form.getByLabel("Tax ID", { exact: true }).fill("DE12345");
  await page.getByTestId("billing-details-save").click();
  await expect(page.getByTestId("billing-taxIdValue-error")).toContainText("Stripe did not accept this tax ID");

  await form.getByLabel("Tax ID", { exact: true }).fill("DE123456789");
  await page.getByTestId("billing-details-save").click();
  await expect(page.getByTestId("billing-details-message")).toContainText("Billing details saved");
  await expect(page.getByTestId("billing-details-name")).toHaveText("Acme GmbH");
  await expect(page.getByTestId("billing-details-address")).toContainText("10117 Berlin");
  await expect(page.getByTestId("billing-details-address")).toContainText("Germany");
  await expect(page.getByTestId("billing-details-tax-id")).toHaveText("EU VAT number DE123456789");

  // Read back from Stripe after a reload, into the form too.
  await page.reload();
  await expect(page.getByTestId("billing-details-name")).toHaveText("Acme GmbH");
  await expect(form.getByLabel("Country")).toHaveValue("DE");
  await expect(form.getByLabel("Tax ID", { exact: true })).toHaveValue("DE123456789");
  await expectAccessible(page, "/dashboard/billing (billing details saved)");

  // Replace the tax ID with a UK VAT number.
  await form.getByLabel("Tax ID type").selectOption("gb_vat");
  await form.getByLabel("Tax ID", { exact: true }).fill("GB123456789");
  await page.getByTestId("billing-details-save").click();
  await expect(page.getByTestId("billing-details-tax-id")).toHaveText("UK VAT number GB123456789");
  await expect(page.getByTestId("billing-details-tax-id")).toHaveCount(1);

  // A top-up, then its receipt shows the details under "Billed to".
  await new BillingPage(page).topUpFiveAndOpenReceipt();
  await expect(page.getByTestId("receipt-billed-name")).toHaveText("Acme GmbH");
  await expect(page.getByTestId("receipt-billed-address")).toContainText("Unter den Linden 1");
  await expect(page.getByTestId("receipt-billed-address")).toContainText("Germany");
  await expect(page.getByTestId("receipt-billed-tax-id")).toHaveText("UK VAT number GB123456789");
  await expect(page.getByTestId("receipt-billed-to")).toContainText(user.email);
});
