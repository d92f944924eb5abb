import disposableDomains from "disposable-email-domains" with { type: "json" };
import disposableWildcards from "disposable-email-domains/wildcard.json" with { type: "json" };
import { splitAddress } from "./email-identity";

// Kept apart from ./email-identity.ts: the list is large (~70,000 domains) and only the
// free-credit decision needs it.

const exact = new Set<string>(disposableDomains as string[]);
const wildcards = disposableWildcards as string[];

/** True for throwaway-mailbox domains (the maintained disposable-email-domains list), subdomains included. */
export function isDisposableEmail(email: string): boolean {
  const { domain } = splitAddress(email);
  if (!domain) return false;
  if (exact.has(domain)) return true;
  return wildcards.some((w) => domain === w || domain.endsWith(`.${w}`));
}
