import { badRequest } from "./errors";
import { metadata, obj, onlyParams, ParamError, str, type FormObject } from "./form";
import { nowSeconds, stripeId, type Address, type Customer } from "./objects";
import { attach } from "./payment-methods";
import type { Ctx, Store } from "./store";

// Customers: create, retrieve (in store.ts), update (email, name, description, metadata,
// address, invoice_settings.default_payment_method). Update is strict: any other parameter
// is refused as Stripe refuses one it does not know (`parameter_unknown`), so a call the
// emulator would silently drop fails here instead of passing a test it should not.

const UPDATE_PARAMS = ["address", "description", "email", "invoice_settings", "metadata", "name"] as const;
const ADDRESS_PARAMS = ["city", "country", "line1", "line2", "postal_code", "state"] as const;

export function createCustomer(s: Store, ctx: Ctx): Customer {
  const f = ctx.form;
  const c: Customer = {
    id: stripeId("cus", 14),
    object: "customer",
    created: nowSeconds(),
    address: address(f),
    email: str(f, "email") ?? null,
    name: str(f, "name") ?? null,
    description: str(f, "description") ?? null,
    metadata: metadata(f),
    invoice_settings: { default_payment_method: null, custom_fields: null, footer: null, rendering_options: null },
    livemode: false,
    currency: null,
    balance: 0,
    delinquent: false,
  };
  s.customers.set(c.id, c);
  const pm = str(f, "payment_method");
  if (pm) attach(s, s.paymentMethod(pm, "payment_method"), c.id);
  s.emit("customer.created", c);
  applyInvoiceSettings(s, c, f);
  return c;
}

export function updateCustomer(s: Store, ctx: Ctx, id: string): Customer {
  const c = s.customer(id);
  const f = ctx.form;
  onlyParams(f, UPDATE_PARAMS);
  if (f.invoice_settings !== undefined && typeof f.invoice_settings === "object")
    onlyParams(obj(f, "invoice_settings")!, ["default_payment_method"], "invoice_settings");
  if (f.address !== undefined) c.address = address(f);
  for (const k of ["email", "name", "description"] as const) {
    const v = str(f, k);
    if (v !== undefined) c[k] = v === "" ? null : v;
  }
  c.metadata = metadata(f, c.metadata);
  applyInvoiceSettings(s, c, f);
  s.emit("customer.updated", c);
  return c;
}

export function applyInvoiceSettings(s: Store, c: Customer, f: FormObject) {
  const pm = str(obj(f, "invoice_settings") ?? {}, "default_payment_method");
  if (pm === undefined) return;
  if (pm !== "" && s.paymentMethods.get(pm)?.customer !== c.id) {
    throw badRequest(`No such PaymentMethod: '${pm}'; It does not belong to this customer.`, "resource_missing", "invoice_settings[default_payment_method]");
  }
  c.invoice_settings.default_payment_method = pm || null;
}

/**
 * `address[line1]=…&…` sets the whole address (fields not sent become null); `address=`
 * (the SDK's `address: ""`) removes it. Stripe keeps a customer's address as given; its
 * country is a two-letter code, which the emulator checks for shape only.
 */
function address(f: FormObject): Address | null {
  if (f.address === undefined || f.address === "") return null;
  const a = obj(f, "address")!;
  onlyParams(a, ADDRESS_PARAMS, "address");
  const field = (k: (typeof ADDRESS_PARAMS)[number]) => {
    const v = a[k];
    if (v !== undefined && typeof v !== "string") throw new ParamError(`address[${k}]`, `Invalid string: address[${k}]`);
    return v === undefined || v === "" ? null : v;
  };
  const country = field("country");
  if (country !== null && !/^[A-Za-z]{2}$/.test(country)) {
    throw badRequest(
      `Country '${country}' is unknown. Try using a 2-character alphabetic country code instead, such as 'US', 'EG', or 'GB'. A full list of country codes is available at https://stripe.com/docs/api#country_codes`,
      "parameter_invalid",
      "address[country]",
    );
  }
  return {
    city: field("city"),
    country: country?.toUpperCase() ?? null,
    line1: field("line1"),
    line2: field("line2"),
    postal_code: field("postal_code"),
    state: field("state"),
  };
}
