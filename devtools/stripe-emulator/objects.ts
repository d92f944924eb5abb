import { randomBytes } from "node:crypto";

// The emulator's copies of Stripe objects: the fields Stripe documents and our app (or a
// careful reader of a response) might look at, with Stripe's names and nullability.

export function stripeId(prefix: string, length = 24): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += alphabet[b % 62];
  return `${prefix}_${out}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export type Metadata = Record<string, string>;

export type Address = {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
};

export type Customer = {
  id: string;
  object: "customer";
  created: number;
  address: Address | null;
  email: string | null;
  name: string | null;
  description: string | null;
  metadata: Metadata;
  invoice_settings: { default_payment_method: string | null; custom_fields: null; footer: null; rendering_options: null };
  livemode: false;
  currency: string | null;
  balance: number;
  delinquent: boolean;
};

export type TaxId = {
  id: string;
  object: "tax_id";
  country: string | null;
  created: number;
  customer: string;
  customer_account: null;
  livemode: false;
  owner: { type: "customer"; customer: string; customer_account: null };
  type: string;
  value: string;
  verification: { status: "pending" | "unavailable" | "unverified" | "verified"; verified_address: string | null; verified_name: string | null };
};

export type PaymentMethod = {
  id: string;
  object: "payment_method";
  type: "card";
  created: number;
  customer: string | null;
  livemode: false;
  metadata: Metadata;
  billing_details: { address: null; email: string | null; name: string | null; phone: null };
  card: {
    brand: string;
    display_brand: string;
    last4: string;
    exp_month: number;
    exp_year: number;
    funding: string;
    country: string;
    fingerprint: string;
    checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: "pass" | "unchecked" };
    three_d_secure_usage: { supported: boolean };
    networks: { available: string[]; preferred: null };
    wallet: null;
    generated_from: null;
  };
};

export type StripeErrorBody = {
  type: "card_error" | "invalid_request_error" | "api_error" | "idempotency_error";
  code?: string;
  decline_code?: string;
  message: string;
  param?: string;
  doc_url?: string;
  payment_method?: PaymentMethod;
  payment_intent?: PaymentIntent;
  setup_intent?: SetupIntent;
  request_log_url?: string;
};

export type NextAction = {
  type: "use_stripe_sdk";
  use_stripe_sdk: { type: "three_d_secure_redirect"; stripe_js: string; source: string };
};

export type PaymentIntentStatus = "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "succeeded" | "canceled";

export type PaymentIntent = {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  payment_method: string | null;
  payment_method_types: string[];
  allowed_payment_method_types: string[] | null;
  excluded_payment_method_types: null;
  automatic_payment_methods: null;
  status: PaymentIntentStatus;
  client_secret: string;
  confirmation_method: "automatic";
  capture_method: "automatic_async";
  created: number;
  canceled_at: number | null;
  cancellation_reason: string | null;
  description: string | null;
  last_payment_error: StripeErrorBody | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  next_action: NextAction | null;
  receipt_email: string | null;
  setup_future_usage: string | null;
  statement_descriptor: null;
  on_behalf_of: null;
  processing: null;
  review: null;
  transfer_data: null;
};

export type SetupIntentStatus = "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "succeeded" | "canceled";

export type SetupIntent = {
  id: string;
  object: "setup_intent";
  client_secret: string;
  created: number;
  customer: string | null;
  description: string | null;
  last_setup_error: StripeErrorBody | null;
  latest_attempt: string | null;
  livemode: false;
  metadata: Metadata;
  next_action: NextAction | null;
  payment_method: string | null;
  payment_method_types: string[];
  allowed_payment_method_types: string[] | null;
  excluded_payment_method_types: null;
  automatic_payment_methods: null;
  status: SetupIntentStatus;
  usage: "off_session" | "on_session";
  cancellation_reason: string | null;
};

export type StripeEvent = {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
};

export type StripeList<T> = { object: "list"; data: T[]; has_more: boolean; url: string };

export function list<T>(url: string, data: T[], limit = 10): StripeList<T> {
  return { object: "list", data: data.slice(0, limit), has_more: data.length > limit, url };
}

/** Stripe events carry a snapshot of the object at the time, not a live reference. */
export function snapshot<T>(o: T): T {
  return structuredClone(o);
}
