// The free-credit outcomes and what the dashboard says about each, apart from
// ./free-credit.ts so pages do not load the disposable-domain list.

export const FREE_CREDIT_OUTCOMES = ["granted", "identity_used", "disposable", "daily_cap"] as const;
export type FreeCreditOutcome = (typeof FREE_CREDIT_OUTCOMES)[number];

/** What the dashboard tells an account with no free credit, by outcome (null: nothing to explain). */
export function freeCreditMessage(outcome: string | null, verified: boolean): string | null {
  if (!verified) return "Your $10.00 of free credit is added when you verify your email address: follow the link we emailed you.";
  switch (outcome) {
    case "identity_used":
      return "No free credit on this account: this mailbox (or an alias of it) has already had the $10.00 free credit. Add credit on the Billing page.";
    case "disposable":
      return "No free credit on this account: free credit is not given to disposable email addresses. Add credit on the Billing page.";
    case "daily_cap":
      return "No free credit on this account: today's free credit for new accounts has run out. Add credit on the Billing page to start.";
    default:
      return null;
  }
}
