import { sql } from "drizzle-orm";
import type { Db, Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import type { SpendLimitPeriod } from "@/db/schema";
import { reserve } from "./core";

// Per-key spend limits, the money half (the policy, periods and messages are in
// lib/metering/spend-limits.ts). What a key has spent in its period is derived, never
// stored: Σ usage_events.cost_micro_usd for the key since the period start (UTC), plus what
// the key currently holds in reservations (requests still running). Settling turns a
// reservation into a usage event in one transaction, so the sum never double-counts or
// drops a running request.

export type KeySpend = { settledMicroUsd: bigint; reservedMicroUsd: bigint; spentMicroUsd: bigint };

/** Settled spend of a key since `since` (null: ever) plus its active reservations, in micro-USD. */
export async function keySpentSince(db: Queryable, input: { keyId: string; since: Date | null }): Promise<KeySpend> {
  const [r] = await rows<{ settled: string | number | bigint | null; held: string | number | bigint | null }>(
    db,
    sql`select
          (select coalesce(sum(cost_micro_usd), 0) from usage_events
            where key_id = ${input.keyId} ${input.since ? sql`and created_at >= ${input.since.toISOString()}::timestamptz` : sql``}) as settled,
          (select coalesce(sum(amount_micro_usd), 0) from reservations where key_id = ${input.keyId}) as held`,
  );
  const settled = BigInt(r?.settled ?? 0);
  const held = BigInt(r?.held ?? 0);
  return { settledMicroUsd: settled, reservedMicroUsd: held, spentMicroUsd: settled + held };
}

/**
 * Reserves a request's worst case for a key with a spend limit, race-safe: the key row is
 * locked while spent-in-period is summed and the reservation is taken, so concurrent
 * requests of one key queue here and cannot jointly overshoot. The limit is re-read under
 * the lock (the caller's cached one may be stale). `check` decides with the fresh limit and
 * the spend (throwing refuses; nothing is held then). FOR NO KEY UPDATE, not FOR UPDATE:
 * the foreign-key checks of concurrent settles (usage_events.key_id) take KEY SHARE on this
 * row, and must not wait on us.
 */
export async function reserveWithinKeyLimit(
  db: Db,
  input: { accountId: string; keyId: string; requestId: string; amountMicroUsd: bigint },
  check: (limit: { limitMicroUsd: bigint; period: SpendLimitPeriod }, spendSince: (since: Date | null) => Promise<KeySpend>) => Promise<void>,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [k] = await rows<{ limit: string | number | bigint | null; period: SpendLimitPeriod | null }>(
      tx,
      sql`select spend_limit_micro_usd as limit, spend_limit_period as period from api_keys where id = ${input.keyId} for no key update`,
    );
    if (k?.limit != null && k.period) {
      await check({ limitMicroUsd: BigInt(k.limit), period: k.period }, (since) => keySpentSince(tx, { keyId: input.keyId, since }));
    }
    await reserve(tx, input);
  });
}
