import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import type { LedgerKind } from "@/db/schema";

export type HistoryRow = {
  /** The newest ledger entry id in the row; stable key for lists. */
  id: number;
  kind: LedgerKind;
  description: string;
  amountMicroUsd: bigint;
  /** The balance right after this row, i.e. the running balance. */
  balanceAfterMicroUsd: bigint;
  /** Usage rows stand for many requests (entries) on one UTC day. */
  entries: number;
  day: string;
  at: Date;
};

/**
 * The ledger as the billing page shows it, newest first: every grant, top-up, refund and
 * adjustment on its own line; usage summed per UTC day. A top-up in the middle of a day
 * splits that day's usage in two, so every line's running balance is exact.
 */
export async function ledgerHistory(db: Queryable, accountId: string, opts: { limit?: number; sinceDays?: number } = {}): Promise<HistoryRow[]> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  const sinceDays = opts.sinceDays ?? 90;
  const result = await rows<{
    id: string | number;
    kind: LedgerKind;
    description: string;
    amount: string | bigint;
    balance_after: string | bigint;
    entries: string | number;
    day: string;
    at: string | Date;
  }>(
    db,
    sql`with e as (
          select id, kind, amount_micro_usd, balance_after_micro_usd, description, created_at,
                 to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day,
                 -- how many non-usage entries came before: usage between two of them groups together
                 sum(case when kind = 'usage' then 0 else 1 end) over (order by id) as breaks
            from ledger_entries
           where account_id = ${accountId}
             and created_at > now() - make_interval(days => ${sinceDays})
        )
        select max(id) as id, min(kind) as kind,
               (array_agg(description order by id desc))[1] as description,
               sum(amount_micro_usd) as amount,
               (array_agg(balance_after_micro_usd order by id desc))[1] as balance_after,
               count(*) as entries, min(day) as day, max(created_at) as at
          from e
         group by case when kind = 'usage' then 'u:' || day || ':' || breaks else 'e:' || id end
         order by max(id) desc
         limit ${limit}`,
  );
  return result.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    description: r.kind === "usage" && Number(r.entries) > 1 ? `API usage (${Number(r.entries)} requests)` : r.description,
    amountMicroUsd: BigInt(r.amount),
    balanceAfterMicroUsd: BigInt(r.balance_after),
    entries: Number(r.entries),
    day: r.day,
    at: new Date(r.at),
  }));
}
