"use client";

import { startTransition, useActionState, useState, type FormEvent } from "react";
import type { BillingDetailsState } from "@/app/dashboard/billing/actions";
import { TAX_ID_TYPES, taxIdTypeInfo, type BillingDetailsField } from "@/lib/billing/details-validation";

type Action = (prev: BillingDetailsState, form: FormData) => Promise<BillingDetailsState>;
export type BillingDetailsValues = Record<BillingDetailsField, string>;

/**
 * The billing details form: name, address and tax ID, kept on the Stripe customer. Every
 * field has its label and, after a refused save, its own error (aria-describedby). What was
 * typed stays after an error: it is submitted through a transition, not reset as a form action.
 */
/**
 * `countries` comes from the server (countryOptions()): country names from Intl.DisplayNames
 * differ between Node's and the browser's ICU ("Turkey" / "Türkiye"), and names computed here
 * in the browser did not match the server's HTML: React's hydration error #418 on every
 * billing page load.
 */
export function BillingDetailsForm({
  initial,
  action,
  countries,
}: {
  initial: BillingDetailsValues;
  action: Action;
  countries: { code: string; name: string }[];
}) {
  const [state, formAction, pending] = useActionState(action, undefined);
  const values: BillingDetailsValues = state && !state.ok ? { ...initial, ...state.values } : initial;
  const errors = state && !state.ok ? state.errors : {};
  const [taxType, setTaxType] = useState(initial.taxIdType);
  const info = taxIdTypeInfo(taxType);

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    startTransition(() => formAction(data));
  };

  const field = (name: BillingDetailsField, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <div style={{ flex: 1, minWidth: 200 }}>
      <label htmlFor={`billing-${name}`}>{label}</label>
      <input
        id={`billing-${name}`}
        name={name}
        defaultValue={values[name]}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `billing-${name}-error` : undefined}
        data-testid={`billing-${name}`}
        {...props}
      />
      <FieldError name={name} error={errors[name]} />
    </div>
  );

  return (
    <form
      className="rounded-lg border bg-card p-4 text-card-foreground"
      action={formAction}
      onSubmit={submit}
      data-testid="billing-details-form"
      aria-labelledby="billing-details-heading"
      noValidate
    >
      {/* Keyed by what Stripe has, so the inputs show it again after a save. */}
      <div key={JSON.stringify(initial)}>
        <div style={{ display: "flex", gap: 12, flexWrap: "wrap" }}>
          {field("name", "Billing name (company or person)", { autoComplete: "organization", maxLength: 256 })}
        </div>
        <div style={{ display: "flex", gap: 12, flexWrap: "wrap" }}>
          {field("line1", "Address line 1", { autoComplete: "address-line1", maxLength: 200 })}
          {field("line2", "Address line 2 (optional)", { autoComplete: "address-line2", maxLength: 200 })}
        </div>
        <div style={{ display: "flex", gap: 12, flexWrap: "wrap" }}>
          {field("city", "City", { autoComplete: "address-level2", maxLength: 100 })}
          {field("postalCode", "Postal code", { autoComplete: "postal-code", maxLength: 20 })}
          {field("state", "State, province or region", { autoComplete: "address-level1", maxLength: 100 })}
          <div style={{ flex: 1, minWidth: 200 }}>
            <label htmlFor="billing-country">Country</label>
            <select
              id="billing-country"
              name="country"
              defaultValue={values.country}
              autoComplete="country"
              aria-invalid={errors.country ? true : undefined}
              aria-describedby={errors.country ? "billing-country-error" : undefined}
              data-testid="billing-country"
            >
              <option value="">Choose a country</option>
              {/* A code not in the list (typed elsewhere) stays selectable so the error can name it. */}
              {values.country && !countries.some((c) => c.code === values.country) && <option value={values.country}>{values.country}</option>}
              {countries.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name} ({c.code})
                </option>
              ))}
            </select>
            <FieldError name="country" error={errors.country} />
          </div>
        </div>
        <div style={{ display: "flex", gap: 12, flexWrap: "wrap" }}>
          <div style={{ flex: 1, minWidth: 200 }}>
            <label htmlFor="billing-taxIdType">Tax ID type</label>
            <select
              id="billing-taxIdType"
              name="taxIdType"
              defaultValue={values.taxIdType}
              onChange={(e) => setTaxType(e.target.value)}
              aria-invalid={errors.taxIdType ? true : undefined}
              aria-describedby={errors.taxIdType ? "billing-taxIdType-error" : undefined}
              data-testid="billing-taxIdType"
            >
              <option value="">No tax ID</option>
              {values.taxIdType && !taxIdTypeInfo(values.taxIdType) && <option value={values.taxIdType}>{values.taxIdType}</option>}
              {TAX_ID_TYPES.map((t) => (
                <option key={t.type} value={t.type}>
                  {t.label} ({t.type})
                </option>
              ))}
            </select>
            <FieldError name="taxIdType" error={errors.taxIdType} />
          </div>
          <div style={{ flex: 1, minWidth: 200 }}>
            <label htmlFor="billing-taxIdValue">Tax ID</label>
            <input
              id="billing-taxIdValue"
              name="taxIdValue"
              defaultValue={values.taxIdValue}
              placeholder={info ? info.example : undefined}
              maxLength={40}
              aria-invalid={errors.taxIdValue ? true : undefined}
              aria-describedby={
                [info ? "billing-taxIdValue-hint" : "", errors.taxIdValue ? "billing-taxIdValue-error" : ""].filter(Boolean).join(" ") || undefined
              }
              data-testid="billing-taxIdValue"
            />
            {info && (
              <p id="billing-taxIdValue-hint" className="text-muted-foreground" style={{ fontSize: 13, margin: "4px 0 0" }}>
                For example {info.example}
              </p>
            )}
            <FieldError name="taxIdValue" error={errors.taxIdValue} />
          </div>
        </div>
      </div>
      <p className="text-muted-foreground" style={{ fontSize: 13 }}>
        Kept with our payment processor (Stripe) and shown under “Billed to” on your receipts. Clear a field to remove it; saving replaces any earlier tax ID.
      </p>
      <button type="submit" disabled={pending} data-testid="billing-details-save">
        {pending ? "Saving…" : "Save billing details"}
      </button>
      {state && (
        <p className={state.ok ? "text-success" : "text-destructive"} role={state.ok ? "status" : "alert"} data-testid="billing-details-message">
          {state.ok ? state.message : state.error}
        </p>
      )}
    </form>
  );
}

function FieldError({ name, error }: { name: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <p id={`billing-${name}-error`} className="text-destructive" style={{ fontSize: 13, margin: "4px 0 0" }} data-testid={`billing-${name}-error`}>
      {error}
    </p>
  );
}
