import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { startOfUtcDay, startOfUtcMonth, type UsageFilters } from "./filters";
import { usageWhere } from "./queries";

// Usage per API key: the keys page's "today / this month" and the usage page's breakdown.
// Scoped by the session's account first (a key id of another account matches nothing);
// sums are cast to text and parsed with BigInt, never through a float.

export type KeySpend = { todayMicroUsd: bigint; monthMicroUsd: bigint };

/** Each of the account's keys' settled spend today and this calendar month (UTC). Keys without spend are absent. */
export async function spendByKey({ db, accountId, now = new Date() }: { db: Queryable; accountId: string; now?: Date }): Promise<Map<string, KeySpend>> {
  const month = startOfUtcMonth(now);
  const day = startOfUtcDay(now);
  // Today always lies inside this month, so one scan of the month (account_id, created_at
  // index) gives both sums.
  const out = await rows<{ key_id: string; today: string; month: string }>(
    db,
    sql`select key_id,
               coalesce(sum(cost_micro_usd) filter (where created_at >= ${day.toISOString()}::timestamptz), 0)::text as today,
               coalesce(sum(cost_micro_usd), 0)::text as month
          from usage_events
         where account_id = ${accountId} and created_at >= ${month.toISOString()}::timestamptz and key_id is not null
         group by key_id`,
  );
  return new Map(out.map((r) => [r.key_id, { todayMicroUsd: BigInt(r.today), monthMicroUsd: BigInt(r.month) }]));
}

export type KeyUsageRow = { keyId: string | null; keyName: string; requests: bigint; costMicroUsd: bigint };

/** The usage page's breakdown by key over the filtered period, most expensive first. */
export async function usageByKey({ db, accountId, filters }: { db: Queryable; accountId: string; filters: UsageFilters }): Promise<KeyUsageRow[]> {
  const out = await rows<{ key_id: string | null; key_name: string | null; requests: string; cost: string }>(
    db,
    sql`select e.key_id, k.name as key_name, count(*)::text as requests, coalesce(sum(e.cost_micro_usd), 0)::text as cost
          from usage_events e
          left join api_keys k on k.id = e.key_id and k.account_id = e.account_id
         where ${usageWhere(accountId, filters)}
         group by e.key_id, k.name
         order by sum(e.cost_micro_usd) desc, e.key_id`,
  );
  return out.map((r) => ({ keyId: r.key_id, keyName: r.key_name ?? "(no key)", requests: BigInt(r.requests), costMicroUsd: BigInt(r.cost) }));
}
