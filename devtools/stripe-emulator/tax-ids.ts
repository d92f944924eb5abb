import { badRequest, notFound } from "./errors";
import { int, onlyParams, requireStr } from "./form";
import { list, nowSeconds, stripeId, type TaxId } from "./objects";
import type { Ctx, Store } from "./store";

// A customer's tax IDs (Stripe's TaxId object, owner = the customer):
//   POST   /v1/customers/:id/tax_ids         {type, value}
//   GET    /v1/customers/:id/tax_ids         list, newest first
//   GET    /v1/customers/:id/tax_ids/:txi    one
//   DELETE /v1/customers/:id/tax_ids/:txi    {id, object: "tax_id", deleted: true}
// Like Stripe, a value whose format does not fit its type is refused with `tax_id_invalid`
// (param "value"), an unknown type with `parameter_invalid` (param "type"), and any other
// parameter with `parameter_unknown`. The formats below follow the ones Stripe documents
// (https://docs.stripe.com/billing/customer/tax-ids), checked after removing spaces; types
// the emulator has no format for accept 2 to 30 letters, digits and - . / separators.
// Stripe checks some types with the tax authority later (`verification.status` "pending",
// then a customer.tax_id.updated event); the emulator leaves them pending.

/** Every type of stripe@23's TaxIdCreateParams.Type. */
export const TAX_ID_TYPES = (
  "ad_nrt ae_trn al_tin am_tin ao_tin ar_cuit au_abn au_acn au_arn au_wpn aw_tin az_tin ba_tin bb_tin bd_bin bf_ifu bg_uic bh_vat bj_ifu bo_tin br_cnpj " +
  "br_cpf bs_tin bw_vat by_tin ca_bn ca_gst_hst ca_pst_bc ca_pst_mb ca_pst_sk ca_qst cd_nif ch_uid ch_vat ci_vat cl_tin cm_niu cn_tin co_nit cr_tin cv_nif " +
  "cz_dic de_stn do_rcn ec_ruc eg_tin es_cif et_tin eu_oss_vat eu_vat fo_vat fr_siren fr_siret fr_spi gb_vat ge_vat gh_tin gi_tin gn_nif hk_br hr_oib hu_tin " +
  "ic_nif id_npwp il_vat in_gst is_kt is_vat it_cf jp_cn jp_rn jp_trn ke_pin kg_tin kh_tin kr_brn kz_bin la_tin li_uid li_vat lk_vat ma_vat md_cf md_vat " +
  "me_pib mk_vat mr_nif mu_vat mx_rfc my_frp my_itn my_sst mz_nuit ng_tin no_vat no_voec np_pan nz_bn nz_gst om_vat pe_ruc ph_tin pl_nip pt_nif py_ruc ro_tin " +
  "rs_pib ru_inn ru_kpp sa_vat sg_gst sg_uen si_tin sm_coe sn_ninea sr_fin sv_nit th_vat tj_tin tr_tin tt_bir tt_vat tw_vat tz_vat ua_vat ug_tin us_ein uy_ruc " +
  "uz_tin uz_vat ve_rif vn_tin za_vat zm_tin zw_tin"
).split(" ");

/** EU VAT numbers per country prefix (VIES formats; EL is Greece, XI Northern Ireland). */
const EU_VAT: Record<string, RegExp> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[0-9A-Z]\d{7}[0-9A-Z]$/,
  FI: /^\d{8}$/,
  FR: /^[0-9A-Z]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{2,10}$/,
  SE: /^\d{12}$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
  XI: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
};

const FORMATS: Record<string, RegExp> = {
  gb_vat: /^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  eu_oss_vat: /^EU\d{9}$/,
  us_ein: /^\d{2}-?\d{7}$/,
  au_abn: /^\d{11}$/,
  au_arn: /^\d{12}$/,
  ca_bn: /^\d{9}$/,
  ca_gst_hst: /^\d{9}RT\d{4}$/,
  ch_vat: /^CHE-?\d{3}\.?\d{3}\.?\d{3}(MWST|TVA|IVA)$/,
  ch_uid: /^CHE-?\d{3}\.?\d{3}\.?\d{3}$/,
  no_vat: /^\d{9}MVA$/,
  nz_gst: /^\d{8,9}$|^\d{2,3}-\d{3}-\d{3}$/,
  in_gst: /^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/,
  jp_cn: /^\d{13}$/,
  jp_trn: /^T\d{13}$/,
  sg_gst: /^[A-Z0-9]{9,10}$/,
  sg_uen: /^[0-9A-Z]{9,10}$/,
  br_cnpj: /^\d{2}\.\d{3}\.\d{3}\/\d{4}-\d{2}$/,
  br_cpf: /^\d{3}\.\d{3}\.\d{3}-\d{2}$/,
  mx_rfc: /^[A-Z&Ñ]{3,4}\d{6}[A-Z0-9]{3}$/,
  za_vat: /^4\d{9}$/,
  ae_trn: /^\d{15}$/,
  kr_brn: /^\d{3}-\d{2}-\d{5}$/,
  il_vat: /^\d{9}$/,
  hk_br: /^\d{8}$/,
  tr_tin: /^\d{10}$/,
};
const GENERIC = /^[0-9A-Z][0-9A-Z\-./]{1,29}$/;

// Types whose number Stripe checks with a government service (the rest: "unavailable").
const VERIFIED = new Set(["eu_vat", "gb_vat", "au_abn", "in_gst"]);

export function taxIdValueValid(type: string, value: string): boolean {
  const v = value.replace(/\s+/g, "").toUpperCase();
  if (type === "eu_vat") {
    const re = EU_VAT[v.slice(0, 2)];
    return !!re && re.test(v.slice(2));
  }
  return (FORMATS[type] ?? GENERIC).test(v);
}

function countryOf(type: string, value: string): string | null {
  if (type === "eu_vat") {
    const prefix = value.replace(/\s+/g, "").slice(0, 2).toUpperCase();
    return prefix === "EL" ? "GR" : prefix === "XI" ? "GB" : prefix;
  }
  if (type === "eu_oss_vat") return null;
  return type.slice(0, 2).toUpperCase();
}

export function createTaxId(s: Store, ctx: Ctx, customerId: string): TaxId {
  const customer = s.customer(customerId);
  const f = ctx.form;
  onlyParams(f, ["type", "value"]);
  const type = requireStr(f, "type");
  const value = requireStr(f, "value");
  if (!TAX_ID_TYPES.includes(type)) throw badRequest(`Invalid type: must be one of ${TAX_ID_TYPES.join(", ")}`, "parameter_invalid", "type");
  if (!taxIdValueValid(type, value)) throw badRequest(`Invalid value for ${type}.`, "tax_id_invalid", "value");
  const t: TaxId = {
    id: stripeId("txi"),
    object: "tax_id",
    country: countryOf(type, value),
    created: nowSeconds(),
    customer: customer.id,
    customer_account: null,
    livemode: false,
    owner: { type: "customer", customer: customer.id, customer_account: null },
    type,
    value,
    verification: { status: VERIFIED.has(type) ? "pending" : "unavailable", verified_address: null, verified_name: null },
  };
  s.taxIds.set(t.id, t);
  s.emit("customer.tax_id.created", t);
  return t;
}

/** A tax ID of this customer; another customer's is "no such tax_id", like Stripe. */
export function customerTaxId(s: Store, customerId: string, id: string): TaxId {
  s.customer(customerId);
  const t = s.taxIds.get(id);
  if (!t || t.customer !== customerId) throw notFound("tax_id", id);
  return t;
}

export function listTaxIds(s: Store, ctx: Ctx, customerId: string) {
  s.customer(customerId);
  // Newest first: the reverse of creation order (a Map keeps insertion order).
  const data = [...s.taxIds.values()].filter((t) => t.customer === customerId).reverse();
  return list(`/v1/customers/${customerId}/tax_ids`, data, int(ctx.form, "limit") ?? 10);
}

export function deleteTaxId(s: Store, customerId: string, id: string) {
  const t = customerTaxId(s, customerId, id);
  s.taxIds.delete(t.id);
  s.emit("customer.tax_id.deleted", t);
  return { id: t.id, object: "tax_id" as const, deleted: true as const };
}
