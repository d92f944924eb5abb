import "server-only";
import { stripeConfig } from "./config";

// Next.js-only entry points (pages, actions, route handlers).
export { getStripe } from "./stripe";
export { autoTopUpAfterSettle } from "./after-settle";

export function webhookSecret(): string {
  return stripeConfig().webhookSecret;
}
