import type { Queryable } from "@/db/client";
import { SPEND_LIMIT_PERIODS, type SpendLimitPeriod } from "@/db/schema";
import { keySpentSince, type KeySpend } from "@/lib/ledger";

// Per-key spend limits, the policy: periods in UTC and what a key spent in its current one.
// The spend itself (usage events + active reservations) is summed by the ledger
// (lib/ledger/key-spend.ts); the limit is set on the key (lib/api-keys/spend-limit.ts).

export { SPEND_LIMIT_PERIODS, type SpendLimitPeriod };

/** Start of the period containing `now`, in UTC. Weeks start on Monday (ISO). null = no start. */
export function periodStart(period: SpendLimitPeriod, now = new Date()): Date | null {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (period) {
    case "daily":
      return new Date(Date.UTC(y, m, d));
    case "weekly": {
      const sinceMonday = (now.getUTCDay() + 6) % 7;
      return new Date(Date.UTC(y, m, d - sinceMonday));
    }
    case "monthly":
      return new Date(Date.UTC(y, m, 1));
    case "total":
      return null;
  }
}

/** When the current period ends (the limit resets); null for "total". */
export function periodEnd(period: SpendLimitPeriod, now = new Date()): Date | null {
  const start = periodStart(period, now);
  if (!start) return null;
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth();
  const d = start.getUTCDate();
  if (period === "daily") return new Date(Date.UTC(y, m, d + 1));
  if (period === "weekly") return new Date(Date.UTC(y, m, d + 7));
  return new Date(Date.UTC(y, m + 1, 1));
}

/** Settled spend in the period plus active reservations, in micro-USD (lib/ledger/key-spend.ts). */
export async function keySpentMicroUsd(
  db: Queryable,
  input: { keyId: string; period: SpendLimitPeriod; now?: Date },
): Promise<KeySpend & { since: Date | null }> {
  const since = periodStart(input.period, input.now);
  return { ...(await keySpentSince(db, { keyId: input.keyId, since })), since };
}
