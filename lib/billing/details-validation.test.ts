import { describe, expect, it } from "vitest";
import { COUNTRY_CODES, countryName, countryOptions, normalizeTaxIdValue, TAX_ID_TYPES, validateBillingDetails } from "./details-validation";

const full = {
  name: "Acme GmbH",
  line1: "Unter den Linden 1",
  line2: "",
  city: "Berlin",
  postalCode: "10117",
  state: "",
  country: "DE",
  taxIdType: "eu_vat",
  taxIdValue: "DE123456789",
};
const errorsOf = (form: Record<string, unknown>) => {
  const r = validateBillingDetails(form);
  return r.ok ? {} : r.errors;
};

describe("validateBillingDetails", () => {
  it("accepts a full set and shapes it for Stripe: empty optional fields null, country upper-cased, tax ID normalised", () => {
    expect(validateBillingDetails({ ...full, country: "de", taxIdValue: " de 123 456 789 " })).toEqual({
      ok: true,
      value: {
        name: "Acme GmbH",
        address: { line1: "Unter den Linden 1", line2: null, city: "Berlin", postalCode: "10117", state: null, country: "DE" },
        taxId: { type: "eu_vat", value: "DE123456789" },
      },
    });
  });

  it("treats an all-empty form as clearing everything", () => {
    expect(validateBillingDetails({})).toEqual({ ok: true, value: { name: null, address: null, taxId: null } });
  });

  it("asks for line 1, the city and the country once any address field is given", () => {
    expect(errorsOf({ postalCode: "10117" })).toEqual({
      line1: expect.stringContaining("street address"),
      city: "Enter the city.",
      country: "Choose the country.",
    });
  });

  it("takes only 2-letter ISO 3166-1 codes from the list", () => {
    for (const country of ["Germany", "XX", "D", "DEU", "12"]) expect(errorsOf({ ...full, country }).country).toMatch(/Choose a country from the list/);
    expect(errorsOf({ ...full, country: "gb" })).toEqual({});
    expect(COUNTRY_CODES).toHaveLength(249);
    expect(countryName("DE")).toBe("Germany");
    expect(countryOptions()[0].name < countryOptions()[1].name).toBe(true);
  });

  it("wants a state or province for the US and Canada, and a US ZIP code's shape", () => {
    const us = { ...full, country: "US", postalCode: "94103", taxIdType: "us_ein", taxIdValue: "12-3456789" };
    expect(errorsOf(us)).toEqual({ state: "Enter the state." });
    expect(errorsOf({ ...us, state: "CA", postalCode: "9410" })).toEqual({ postalCode: expect.stringContaining("5 digits") });
    expect(errorsOf({ ...us, state: "CA" })).toEqual({});
    expect(errorsOf({ ...full, country: "CA", taxIdType: "", taxIdValue: "" })).toEqual({ state: "Enter the province." });
  });

  it("knows the common Stripe tax ID types, each with an example its own check accepts", () => {
    for (const t of TAX_ID_TYPES) {
      expect(validateBillingDetails({ taxIdType: t.type, taxIdValue: t.example }), t.type).toMatchObject({ ok: true });
    }
    expect(errorsOf({ taxIdType: "vat", taxIdValue: "DE123456789" })).toEqual({ taxIdType: "Choose a tax ID type from the list." });
    expect(errorsOf({ taxIdValue: "DE123456789" })).toEqual({ taxIdType: "Choose the type of the tax ID." });
    expect(errorsOf({ taxIdType: "eu_vat" })).toEqual({ taxIdValue: expect.stringContaining("Enter the tax ID") });
  });

  it("checks the value loosely per type: an EU VAT number needs a member state's prefix", () => {
    expect(errorsOf({ taxIdType: "eu_vat", taxIdValue: "123456789" }).taxIdValue).toMatch(/2-letter prefix/);
    expect(errorsOf({ taxIdType: "eu_vat", taxIdValue: "US123456789" }).taxIdValue).toMatch(/2-letter prefix/);
    expect(errorsOf({ taxIdType: "eu_vat", taxIdValue: "EL123456789" })).toEqual({});
    expect(errorsOf({ taxIdType: "gb_vat", taxIdValue: "123456789" }).taxIdValue).toMatch(
      /UK VAT number: GB followed by 9 or 12 digits \(for example GB123456789\)/,
    );
    expect(errorsOf({ taxIdType: "us_ein", taxIdValue: "12-345" }).taxIdValue).toMatch(/EIN/);
    expect(errorsOf({ taxIdType: "au_abn", taxIdValue: "51 824 753 556" })).toEqual({});
    expect(normalizeTaxIdValue("ch_vat", "che-123.456.789 mwst")).toBe("CHE-123.456.789 MWST");
  });

  it("limits lengths and refuses control characters, naming the field", () => {
    expect(errorsOf({ ...full, name: "x".repeat(257) })).toEqual({ name: "The billing name can be at most 256 characters." });
    expect(errorsOf({ ...full, city: "Ber\u0000lin" })).toEqual({ city: "The city contains characters that cannot be printed." });
    expect(errorsOf({ ...full, name: 42 })).toEqual({});
  });
});
