import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { startOfUtcDay, startOfUtcMonth } from "./filters";

// Usage per API key for the keys page: spend today and this month. (The usage page's
// breakdown by key is usageBreakdown in ./breakdown.ts.)
// Scoped by the session's account first (a key id of another account matches nothing);
// sums are cast to text and parsed with BigInt, never through a float.

export type KeySpend = { todayMicroUsd: bigint; monthMicroUsd: bigint };

/** Each of the account's keys' settled spend today and this calendar month up to today (UTC). Keys without spend are absent. */
export async function spendByKey({ db, accountId, now = new Date() }: { db: Queryable; accountId: string; now?: Date }): Promise<Map<string, KeySpend>> {
  const month = startOfUtcMonth(now).toISOString().slice(0, 10);
  const day = startOfUtcDay(now).toISOString().slice(0, 10);
  // From the daily rollup (usage_daily, kept in the settle's transaction: today's row is as
  // current as the events), so a busy key costs ~31 rows, not a month of events.
  const out = await rows<{ key_id: string; today: string; month: string }>(
    db,
    sql`select key_id,
               coalesce(sum(cost_micro_usd) filter (where day = ${day}::date), 0)::text as today,
               coalesce(sum(cost_micro_usd), 0)::text as month
          from usage_daily
         where account_id = ${accountId} and day between ${month}::date and ${day}::date and key_id is not null
         group by key_id`,
  );
  return new Map(out.map((r) => [r.key_id, { todayMicroUsd: BigInt(r.today), monthMicroUsd: BigInt(r.month) }]));
}
