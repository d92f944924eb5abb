import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";

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
