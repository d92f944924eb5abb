import { and, eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { apiKeys, SPEND_LIMIT_PERIODS, type SpendLimitPeriod } from "@/db/schema";

// Per-key spend limits. What a key has spent in its period is derived, never stored:
// Σ usage_events.cost_micro_usd for the key since the period start (UTC), plus what the
// key currently holds in reservations (requests still running). Settling turns a
// reservation into a usage event in one transaction, so the sum never double-counts or
// drops a running request.

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

/** Settled spend in the period plus active reservations, in micro-USD. */
export async function keySpentMicroUsd(
  db: Queryable,
  input: { keyId: string; period: SpendLimitPeriod; now?: Date },
): Promise<{ settledMicroUsd: bigint; reservedMicroUsd: bigint; spentMicroUsd: bigint; since: Date | null }> {
  const since = periodStart(input.period, input.now);
  const [r] = await rows<{ settled: string | number | bigint | null; held: string | number | bigint | null }>(
    db,
    sql`select
          (select coalesce(sum(cost_micro_usd), 0) from usage_events
            where key_id = ${input.keyId} ${since ? sql`and created_at >= ${since.toISOString()}::timestamptz` : sql``}) as settled,
          (select coalesce(sum(amount_micro_usd), 0) from reservations where key_id = ${input.keyId}) as held`,
  );
  const settled = BigInt(r?.settled ?? 0);
  const held = BigInt(r?.held ?? 0);
  return { settledMicroUsd: settled, reservedMicroUsd: held, spentMicroUsd: settled + held, since };
}

/**
 * Sets (or, with limitMicroUsd null, removes) a key's spend limit. Scoped by account: a
 * key of another account is not touched and the answer is false. For the dashboard and
 * the CLI. Other instances honour the change within the key cache TTL (5 s).
 */
export async function setKeySpendLimit(
  db: Queryable,
  input: { accountId: string; keyId: string; limitMicroUsd: bigint | null; period: SpendLimitPeriod | null },
): Promise<boolean> {
  if (input.limitMicroUsd !== null) {
    if (input.limitMicroUsd < 0n) throw new RangeError("a spend limit must be >= 0");
    if (!input.period || !SPEND_LIMIT_PERIODS.includes(input.period)) {
      throw new RangeError(`period must be one of ${SPEND_LIMIT_PERIODS.join(", ")}`);
    }
  }
  const updated = await db
    .update(apiKeys)
    .set({
      spendLimitMicroUsd: input.limitMicroUsd,
      spendLimitPeriod: input.limitMicroUsd === null ? null : input.period,
    })
    .where(and(eq(apiKeys.id, input.keyId), eq(apiKeys.accountId, input.accountId)))
    .returning({ id: apiKeys.id });
  // Every instance drops its cached copy of the key (lib/api-keys/changes.ts).
  if (updated.length) await notifyKeyChange(db, { keyId: input.keyId });
  return updated.length > 0;
}
