import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { usageEventInsert, usageFields, usageRecordsetColumns, type UsageRecord } from "./usage-record";

// The parts every settle statement shares: requests with their own reservation
// (./settle-batch.ts) and requests held inside a credit lease (./leases.ts) differ only in
// where the hold is released from; the input rows, the ledger entries with their running
// balance, the usage events (./usage-record.ts) and the result are the same.

export type SettleBatchInput = { requestId: string; actualMicroUsd: bigint; description?: string; usage?: UsageRecord };

export type SettleResult = {
  settled: boolean;
  chargedMicroUsd: bigint;
  balanceAfterMicroUsd: bigint | null;
};

/** A settle's result, plus whether the account is now below an enabled auto top-up threshold. */
export type BatchSettleResult = SettleResult & { autoTopUpDue: boolean };

/**
 * The batch as ONE parameter (a JSON array) whatever its size, so the statement text never
 * changes and postgres.js prepares it once per connection. `cap`: the most each request may
 * be charged when no reservation row of its own says so (lease holds).
 */
export function inputRows(inputs: SettleBatchInput[], cap?: (x: SettleBatchInput) => bigint): SQL {
  const payload = inputs.map((x, ord) => {
    if (x.actualMicroUsd < 0n) throw new RangeError("actual cost must be >= 0");
    return {
      ord,
      request_id: x.requestId,
      actual: x.actualMicroUsd.toString(),
      cap: cap ? cap(x).toString() : null,
      description: x.description ?? "API usage",
      ...usageFields(x.usage),
    };
  });
  return sql`jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as i(
               ord int, request_id text, actual bigint, cap bigint, description text, has_usage boolean, ${usageRecordsetColumns})`;
}

/**
 * Runs a settle statement made of `head` (CTEs ending in `per`: the input rows plus
 * account_id, held_key_id and charged; and `acct`: the updated accounts' id, balance and
 * promo_before, the promotional credit before the batch, read under the row lock)
 * followed by the shared tail: running balance_after per entry, the usage ledger entries,
 * the usage events, and one result row per request settled.
 */
export async function runSettle(db: Queryable, inputs: SettleBatchInput[], head: SQL): Promise<BatchSettleResult[]> {
  const out = await rows<{ request_id: string; charged: string | number | bigint; balance_after: string | number | bigint; auto_top_up: boolean }>(
    db,
    sql`with ${head},
        running as (
          -- balance after entry k = final balance + charges of the entries after k
          select per.*, acct.balance as final_balance,
                 acct.balance + sum(per.charged) over (partition by per.account_id order by per.ord desc rows between unbounded preceding and current row) - per.charged as balance_after,
                 -- Promotional credit first: what was left of it before this entry, up to its charge.
                 least(per.charged, greatest(0, acct.promo_before - (sum(per.charged) over (partition by per.account_id order by per.ord rows between unbounded preceding and current row) - per.charged))) as promo_spent
            from per join acct on acct.id = per.account_id),
        entry as (
          insert into ledger_entries (account_id, kind, amount_micro_usd, balance_after_micro_usd, reference, request_id, description, promo_micro_usd)
          select account_id, 'usage', -charged, balance_after, request_id, request_id, description, -promo_spent
            from running where charged > 0 order by account_id, ord
        returning 1),
        event as (${usageEventInsert("running")}
        returning 1)
        select r.request_id, r.charged, r.balance_after,
               -- Auto top-up is checked only when this says so: no query at all for the
               -- (many) accounts without it, instead of one UPDATE per charged request.
               exists (select 1 from auto_topup_settings s
                        where s.account_id = r.account_id and s.enabled and r.final_balance < s.threshold_micro_usd) as auto_top_up
          from running r`,
  );
  const byId = new Map(out.map((r) => [r.request_id, r]));
  return inputs.map((x) => {
    const r = byId.get(x.requestId);
    if (!r) return { settled: false, chargedMicroUsd: 0n, balanceAfterMicroUsd: null, autoTopUpDue: false };
    return { settled: true, chargedMicroUsd: BigInt(r.charged), balanceAfterMicroUsd: BigInt(r.balance_after), autoTopUpDue: r.auto_top_up === true };
  });
}
