import { sql, type SQL } from "drizzle-orm";
import type { UsageFilters } from "./filters";

// A period's usage as rows to aggregate: whole UTC days from the daily rollup (usage_daily,
// kept by triggers on usage_events, db/schema/usage-daily.ts), the partial days at either
// end from the events themselves. Both kinds of row carry the same columns, so every
// aggregate over them is exact: a rollup row is the sum of exactly the events of its day
// and group, and an event is in exactly one of the two parts.
//
// Hourly buckets (the 24-hour view) read events only: that period is one day at most.

const DAY_MS = 86_400_000;
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The whole UTC days inside [from, to): [first, end), or null when there is none. */
export function wholeDays(from: Date, to: Date): { first: Date; end: Date } | null {
  const first = new Date(Math.ceil(from.getTime() / DAY_MS) * DAY_MS);
  const end = new Date(Math.floor(to.getTime() / DAY_MS) * DAY_MS);
  return first < end ? { first, end } : null;
}

export type KeyScope = Pick<UsageFilters, "projectId" | "createdBy">;

/**
 * The key-set filters (issue 24): a project's keys, and/or the keys one user created. Both
 * are subqueries on the account's own keys, so a project or user of another account
 * matches nothing. Usage without a key (none is recorded today) falls outside both.
 */
export function keyScopeConds(alias: "e" | "r" | "f", accountId: string, f: Partial<KeyScope>): SQL[] {
  const a = sql.raw(alias);
  const conds: SQL[] = [];
  if (f.projectId) conds.push(sql`${a}.key_id in (select pk.id from api_keys pk where pk.account_id = ${accountId} and pk.project_id = ${f.projectId})`);
  if (f.createdBy)
    conds.push(sql`${a}.key_id in (select ck.id from api_keys ck where ck.account_id = ${accountId} and ck.created_by_user_id = ${f.createdBy})`);
  return conds;
}

function filterConds(alias: "e" | "r", accountId: string, f: Pick<UsageFilters, "keyId" | "model" | "modality"> & Partial<KeyScope>): SQL[] {
  const a = sql.raw(alias);
  const conds: SQL[] = keyScopeConds(alias, accountId, f);
  if (f.keyId) conds.push(sql`${a}.key_id = ${f.keyId}`);
  if (f.model) conds.push(sql`${a}.model = ${f.model}`);
  if (f.modality) conds.push(sql`${a}.modality = ${f.modality}`);
  return conds;
}

/**
 * A subquery of rows (b, key_id, model, modality, requests, cost, input_tokens, output_tokens,
 * images, video_seconds, characters, audio_ms) for the account's usage in the filters'
 * period: b is the bucket (UTC day or hour, a timestamp without time zone).
 * Account first, always; the other filters only narrow it.
 */
export function periodRows(accountId: string, f: Pick<UsageFilters, "from" | "to" | "bucket" | "keyId" | "model" | "modality"> & Partial<KeyScope>): SQL {
  if (!accountId) throw new Error("usage queries need the session's account id");
  const days = f.bucket === "day" ? wholeDays(f.from, f.to) : null;
  const unit = sql.raw(f.bucket === "hour" ? "'hour'" : "'day'");
  const range = (from: Date, to: Date) => sql`e.created_at >= ${ts(from)} and e.created_at < ${ts(to)}`;
  // The partial days at either end, if any (a preset of whole days has none).
  const edges = days
    ? [
        [f.from, days.first],
        [days.end, f.to],
      ].filter(([a, b]) => a < b)
    : [[f.from, f.to]];
  const eventRange = sql`(${sql.join(
    edges.map(([a, b]) => sql`(${range(a, b)})`),
    sql` or `,
  )})`;
  const events = sql`select date_trunc(${unit}, e.created_at at time zone 'UTC') as b, e.key_id, e.model, e.modality,
           1::bigint as requests, e.cost_micro_usd as cost, e.input_tokens::bigint as input_tokens,
           e.output_tokens::bigint as output_tokens, e.images::bigint as images, e.video_seconds::bigint as video_seconds,
           e.characters::bigint as characters, e.audio_ms::bigint as audio_ms
      from usage_events e
     where ${sql.join([sql`e.account_id = ${accountId}`, eventRange, ...filterConds("e", accountId, f)], sql` and `)}`;
  if (!days) return events;
  const rollup = sql`select r.day::timestamp as b, r.key_id, r.model, r.modality, r.requests, r.cost_micro_usd as cost,
           r.input_tokens, r.output_tokens, r.images, r.video_seconds, r.characters, r.audio_ms
      from usage_daily r
     where ${sql.join(
       [
         sql`r.account_id = ${accountId}`,
         sql`r.day >= ${days.first.toISOString().slice(0, 10)}::date`,
         sql`r.day < ${days.end.toISOString().slice(0, 10)}::date`,
         ...filterConds("r", accountId, f),
       ],
       sql` and `,
     )}`;
  return edges.length ? sql`${rollup} union all ${events}` : rollup;
}

const scopeAnd = (alias: "r" | "e", accountId: string, scope: Partial<KeyScope>) =>
  sql.join(
    keyScopeConds(alias, accountId, scope).map((c) => sql` and ${c}`),
    sql``,
  );

/** Σ cost per UTC day from the rollup over whole days [first, end). */
export function rollupDailyCost(accountId: string, first: Date, end: Date, scope: Partial<KeyScope> = {}): SQL {
  return sql`select to_char(r.day, 'YYYY-MM-DD') as day, sum(r.cost_micro_usd)::text as cost
               from usage_daily r
              where r.account_id = ${accountId}${scopeAnd("r", accountId, scope)} and r.day >= ${first.toISOString().slice(0, 10)}::date
                and r.day < ${end.toISOString().slice(0, 10)}::date
              group by r.day`;
}

/** Σ cost of the account's events in [from, to) (to null: no end), from the events. */
export function eventsCost(accountId: string, from: Date, to: Date | null, scope: Partial<KeyScope> = {}): SQL {
  const end = to ? sql` and e.created_at < ${ts(to)}` : sql``;
  return sql`(select coalesce(sum(e.cost_micro_usd), 0) from usage_events e
               where e.account_id = ${accountId}${scopeAnd("e", accountId, scope)} and e.created_at >= ${ts(from)}${end})`;
}
