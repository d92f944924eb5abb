import { badRequest } from "./errors";
import { metadata, obj, str, type FormObject } from "./form";
import { nowSeconds, stripeId, type Customer } from "./objects";
import { attach } from "./payment-methods";
import type { Ctx, Store } from "./store";

// Customers: create, retrieve (in store.ts), update with invoice_settings.default_payment_method.

export function createCustomer(s: Store, ctx: Ctx): Customer {
  const f = ctx.form;
  const c: Customer = {
    id: stripeId("cus", 14),
    object: "customer",
    created: nowSeconds(),
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
