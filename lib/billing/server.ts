import "server-only";
import { stripeConfig } from "./config";

// Next.js-only entry points (pages, actions, route handlers).
export { getStripe } from "./stripe";
export { autoTopUpAfterSettle } from "./after-settle";

/** Null when payments are off: the webhook then refuses every event. */
export function webhookSecret(): string | null {
  return stripeConfig().webhookSecret;
}
