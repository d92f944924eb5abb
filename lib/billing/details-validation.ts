// Billing details (name, address, tax ID) as a developer types them on the billing page,
// checked before anything is sent to Stripe. Pure: no database, no Stripe, safe to import
// from client components (the form builds its country and tax ID lists from here).
//
// The checks are deliberately loose, one message per field saying what to type: Stripe is
// the authority on tax ID formats and refuses a value it does not accept (`tax_id_invalid`),
// which lib/billing/details.ts shows on the tax ID field too.

/** ISO 3166-1 alpha-2, every officially assigned code. */
export const COUNTRY_CODES = (
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR " +
  "CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU " +
  "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ " +
  "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI " +
  "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
).split(" ");

const COUNTRY_SET = new Set(COUNTRY_CODES);

/** A country's English name ("DE" → "Germany"); the code itself where the runtime has no name for it. */
export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(["en"], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** The country choices, by name. */
export function countryOptions(): { code: string; name: string }[] {
  return COUNTRY_CODES.map((code) => ({ code, name: countryName(code) })).sort((a, b) => a.name.localeCompare(b.name, "en"));
}

/** EU VAT numbers start with the member state's prefix (Greece: EL; Northern Ireland: XI). */
export const EU_VAT_PREFIXES = "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI".split(" ");

export type TaxIdTypeInfo = {
  /** Stripe's tax_id type (TaxIdCreateParams.Type). */
  type: string;
  label: string;
  /** The country it belongs to ("EU" for EU VAT numbers). */
  country: string;
  example: string;
  /** What the value must look like, loosely (after spaces are removed and letters upper-cased). */
  pattern: RegExp;
  hint: string;
};

// The common ones; Stripe supports many more (every TaxId.Type), and more can be added here.
export const TAX_ID_TYPES: readonly TaxIdTypeInfo[] = [
  {
    type: "eu_vat",
    label: "EU VAT number",
    country: "EU",
    example: "DE123456789",
    pattern: /^[A-Z]{2}[0-9A-Z+*]{2,13}$/,
    hint: "an EU VAT number starts with its country's 2-letter prefix, for example DE123456789 (Greece: EL)",
  },
  { type: "gb_vat", label: "UK VAT number", country: "GB", example: "GB123456789", pattern: /^GB[0-9A-Z]{5,12}$/, hint: "GB followed by 9 or 12 digits" },
  {
    type: "us_ein",
    label: "US Employer Identification Number (EIN)",
    country: "US",
    example: "12-3456789",
    pattern: /^\d{2}-?\d{7}$/,
    hint: "9 digits, as 12-3456789",
  },
  { type: "au_abn", label: "Australian Business Number (ABN)", country: "AU", example: "12345678912", pattern: /^\d{11}$/, hint: "11 digits" },
  { type: "ca_bn", label: "Canadian Business Number (BN)", country: "CA", example: "123456789", pattern: /^\d{9}$/, hint: "9 digits" },
  {
    type: "ca_gst_hst",
    label: "Canadian GST/HST number",
    country: "CA",
    example: "123456789RT0002",
    pattern: /^\d{9}RT\d{4}$/,
    hint: "9 digits, RT and 4 digits",
  },
  {
    type: "ch_vat",
    label: "Swiss VAT number",
    country: "CH",
    example: "CHE-123.456.789 MWST",
    pattern: /^CHE-?\d{3}\.?\d{3}\.?\d{3}(MWST|TVA|IVA)$/,
    hint: "CHE, 9 digits and MWST, TVA or IVA, as CHE-123.456.789 MWST",
  },
  { type: "no_vat", label: "Norwegian VAT number", country: "NO", example: "123456789MVA", pattern: /^\d{9}MVA$/, hint: "9 digits followed by MVA" },
  { type: "nz_gst", label: "New Zealand GST number", country: "NZ", example: "123456789", pattern: /^(\d{8,9}|\d{2,3}-\d{3}-\d{3})$/, hint: "8 or 9 digits" },
  {
    type: "in_gst",
    label: "Indian GST number",
    country: "IN",
    example: "12ABCDE3456FGZH",
    pattern: /^\d{2}[0-9A-Z]{13}$/,
    hint: "15 characters, starting with 2 digits",
  },
  { type: "jp_cn", label: "Japanese Corporate Number", country: "JP", example: "1234567891234", pattern: /^\d{13}$/, hint: "13 digits" },
  { type: "sg_gst", label: "Singaporean GST number", country: "SG", example: "M12345678X", pattern: /^[0-9A-Z]{9,10}$/, hint: "9 or 10 letters and digits" },
  {
    type: "br_cnpj",
    label: "Brazilian CNPJ",
    country: "BR",
    example: "01.234.456/5432-10",
    pattern: /^\d{2}\.?\d{3}\.?\d{3}\/?\d{4}-?\d{2}$/,
    hint: "14 digits",
  },
  {
    type: "mx_rfc",
    label: "Mexican RFC",
    country: "MX",
    example: "ABC010203AB9",
    pattern: /^[A-Z&Ñ]{3,4}\d{6}[0-9A-Z]{3}$/,
    hint: "12 or 13 letters and digits",
  },
  { type: "za_vat", label: "South African VAT number", country: "ZA", example: "4123456789", pattern: /^4\d{9}$/, hint: "10 digits starting with 4" },
  { type: "ae_trn", label: "United Arab Emirates TRN", country: "AE", example: "123456789012345", pattern: /^\d{15}$/, hint: "15 digits" },
  {
    type: "kr_brn",
    label: "Korean Business Registration Number",
    country: "KR",
    example: "123-45-67890",
    pattern: /^\d{3}-?\d{2}-?\d{5}$/,
    hint: "10 digits, as 123-45-67890",
  },
  { type: "hk_br", label: "Hong Kong Business Registration number", country: "HK", example: "12345678", pattern: /^\d{8}$/, hint: "8 digits" },
];

export const taxIdTypeInfo = (type: string) => TAX_ID_TYPES.find((t) => t.type === type);

/** What the form sends (every field a string; empty means not given). */
export type BillingDetailsInput = {
  name: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  state: string;
  country: string;
  taxIdType: string;
  taxIdValue: string;
};

export const BILLING_DETAILS_FIELDS = ["name", "line1", "line2", "city", "postalCode", "state", "country", "taxIdType", "taxIdValue"] as const;
export type BillingDetailsField = (typeof BILLING_DETAILS_FIELDS)[number];
export type FieldErrors = Partial<Record<BillingDetailsField, string>>;

/** What is sent to Stripe: null clears (the name, the whole address, every tax ID). */
export type ValidBillingDetails = {
  name: string | null;
  address: { line1: string; line2: string | null; city: string; postalCode: string | null; state: string | null; country: string } | null;
  taxId: { type: string; value: string } | null;
};

const LIMITS: Record<Exclude<BillingDetailsField, "country" | "taxIdType">, number> = {
  name: 256,
  line1: 200,
  line2: 200,
  city: 100,
  postalCode: 20,
  state: 100,
  taxIdValue: 40,
};

const LABELS: Record<BillingDetailsField, string> = {
  name: "The billing name",
  line1: "Address line 1",
  line2: "Address line 2",
  city: "The city",
  postalCode: "The postal code",
  state: "The state or region",
  country: "The country",
  taxIdType: "The tax ID type",
  taxIdValue: "The tax ID",
};

/** Spaces dropped and letters upper-cased, as tax authorities print numbers; Swiss numbers keep the space before MWST/TVA/IVA. */
export function normalizeTaxIdValue(type: string, value: string): string {
  const v = value.replace(/\s+/g, "").toUpperCase();
  return type === "ch_vat" ? v.replace(/(MWST|TVA|IVA)$/, " $1") : v;
}

export function validateBillingDetails(
  raw: Partial<Record<BillingDetailsField, unknown>>,
): { ok: true; value: ValidBillingDetails } | { ok: false; errors: FieldErrors } {
  const v = Object.fromEntries(
    BILLING_DETAILS_FIELDS.map((k) => [k, typeof raw[k] === "string" ? (raw[k] as string).trim().replace(/\s+/g, " ") : ""]),
  ) as BillingDetailsInput;
  const errors: FieldErrors = {};
  for (const [k, max] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
    if (v[k].length > max) errors[k] = `${LABELS[k]} can be at most ${max} characters.`;
    else if (/[\u0000-\u001f\u007f]/.test(v[k])) errors[k] = `${LABELS[k]} contains characters that cannot be printed.`;
  }

  const country = v.country.toUpperCase();
  const anyAddress = !!(v.line1 || v.line2 || v.city || v.postalCode || v.state || v.country);
  if (anyAddress) {
    if (!v.line1) errors.line1 ??= "Enter the street address (line 1), or clear every address field to remove the address.";
    if (!v.city) errors.city ??= "Enter the city.";
    if (!country) errors.country = "Choose the country.";
    else if (!/^[A-Z]{2}$/.test(country) || !COUNTRY_SET.has(country))
      errors.country = "Choose a country from the list (a 2-letter ISO 3166-1 code such as DE, GB or US).";
    if ((country === "US" || country === "CA") && !v.state) errors.state ??= `Enter the ${country === "US" ? "state" : "province"}.`;
    if (country === "US" && v.postalCode && !/^\d{5}(-\d{4})?$/.test(v.postalCode))
      errors.postalCode ??= "A US ZIP code is 5 digits (or ZIP+4, as 12345-6789).";
  }

  let taxId: ValidBillingDetails["taxId"] = null;
  if (v.taxIdType || v.taxIdValue) {
    const info = taxIdTypeInfo(v.taxIdType);
    if (!v.taxIdType) errors.taxIdType = "Choose the type of the tax ID.";
    else if (!info) errors.taxIdType = "Choose a tax ID type from the list.";
    if (!v.taxIdValue) errors.taxIdValue ??= "Enter the tax ID, or choose “No tax ID” to remove it.";
    else if (info && !errors.taxIdValue) {
      const value = normalizeTaxIdValue(info.type, v.taxIdValue);
      const compact = value.replace(/\s+/g, "");
      if (info.type === "eu_vat" && !EU_VAT_PREFIXES.includes(compact.slice(0, 2))) {
        errors.taxIdValue = `That does not look like an EU VAT number: ${info.hint}.`;
      } else if (!info.pattern.test(compact)) {
        errors.taxIdValue = `That does not look like a ${info.label}: ${info.hint} (for example ${info.example}).`;
      } else {
        taxId = { type: info.type, value };
      }
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name: v.name || null,
      address: anyAddress ? { line1: v.line1, line2: v.line2 || null, city: v.city, postalCode: v.postalCode || null, state: v.state || null, country } : null,
      taxId,
    },
  };
}

export type BillingAddress = {
  line1: string | null;
  line2: string | null;
  city: string | null;
  postalCode: string | null;
  state: string | null;
  country: string | null;
};

/** An address as printed: street lines, "postal code city", region, country name. */
export function addressLines(a: BillingAddress): string[] {
  return [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(" "), a.state, a.country ? countryName(a.country) : null].filter(
    (x): x is string => !!x,
  );
}

/** A tax ID as printed: "EU VAT number DE123456789". */
export function taxIdLabel(t: { type: string; value: string }): string {
  return `${taxIdTypeInfo(t.type)?.label ?? t.type} ${t.value}`;
}
