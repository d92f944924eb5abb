// Billing: Stripe customers and their billing details, saved cards, top-ups, auto top-up, webhooks. Every function
// takes the database and the Stripe client as arguments so tests can pass the emulator's.
// Next.js code gets the process-wide client from lib/billing/server.ts.
export { stripeConfig, publicStripeConfig, type StripeConfig, type PublicStripeConfig } from "./config";
export { createStripeClient, STRIPE_API_VERSION } from "./stripe";
export { BillingError, type BillingErrorCode } from "./errors";
export { ensureCustomer, findCustomerId } from "./customers";
export {
  getBillingDetails,
  saveBillingDetails,
  removeTaxId,
  type BillingDetails,
  type BillingAddress,
  type BillingTaxId,
  type SaveBillingDetailsResult,
} from "./details";
export {
  validateBillingDetails,
  countryName,
  countryOptions,
  addressLines,
  taxIdLabel,
  TAX_ID_TYPES,
  COUNTRY_CODES,
  BILLING_DETAILS_FIELDS,
  type FieldErrors,
  type BillingDetailsField,
  type BillingDetailsInput,
} from "./details-validation";
export { createSetupIntent, listPaymentMethods, detachPaymentMethod, type SavedCard } from "./payment-methods";
export { topUp, confirmTopUp, validateTopUpCents, parseTopUpAmount, MIN_TOPUP_CENTS, MAX_TOPUP_CENTS, TOPUP_PRESETS_CENTS, type TopUpResult } from "./topup";
export { creditPaymentIntent, recordPaymentState, type CreditResult } from "./payments";
export { getAutoTopUp, setAutoTopUp, maybeAutoTopUp, recentPayments, type AutoTopUpView, type AutoTopUpResult } from "./auto-topup";
export { handleStripeWebhook, WEBHOOK_TOLERANCE_SECONDS } from "./webhook";
export { ledgerHistory, type HistoryRow } from "./history";
