import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { PLAN_PER_CALL, rows } from "@/db/rows";
import { isoDate, startOfUtcDay, startOfUtcMonth, type UsageFilters } from "./filters";
import { eventsCost, keyScopeConds, periodRows, rollupDailyCost, type KeyScope } from "./period";

// Usage analytics, aggregated in SQL. Every query starts from `account_id = <the session's
// account>`: callers pass the account id they got from requireAccount()/currentAccount(),
// never one from the request, and every other filter (key, model, modality) only narrows
// it, so another account's key id simply matches nothing.
//
// Money: sums of bigint are numeric in PostgreSQL; they are cast to text and parsed with
// BigInt(), so no amount ever passes through a float. Unit counts get the same treatment
// (tokens can pass 2^53 summed over a busy account's lifetime, in principle).
//
// Charts, totals and the overview read whole UTC days from the daily rollup usage_daily
// (kept by triggers on usage_events) and only the partial days from the events; the
// request log and the export page through the events on the covering index
// usage_account_time_cover. `npm run bench -- usage` times them on 10 million events.

export type UsageUnits = {
  requests: bigint;
  costMicroUsd: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  images: bigint;
  videoSeconds: bigint;
  characters: bigint;
  audioMs: bigint;
};

export type UsageBucketRow = UsageUnits & { bucket: string; model: string; modality: string };

export type UsageSummary = { rows: UsageBucketRow[]; totals: UsageUnits };

export const ZERO_UNITS: UsageUnits = {
  requests: 0n,
  costMicroUsd: 0n,
  inputTokens: 0n,
  outputTokens: 0n,
  images: 0n,
  videoSeconds: 0n,
  characters: 0n,
  audioMs: 0n,
};

export function addUnits(a: UsageUnits, b: UsageUnits): UsageUnits {
  const out = { ...a };
  for (const k of Object.keys(ZERO_UNITS) as (keyof UsageUnits)[]) out[k] = a[k] + b[k];
  return out;
}

type Scope = { db: Queryable; accountId: string; filters: UsageFilters };

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The WHERE clause shared by the charts, the log and the export. Account first, always. */
export function usageWhere(accountId: string, f: UsageFilters): SQL {
  if (!accountId) throw new Error("usage queries need the session's account id");
  const conds: SQL[] = [sql`e.account_id = ${accountId}`, sql`e.created_at >= ${ts(f.from)}`, sql`e.created_at < ${ts(f.to)}`];
  if (f.keyId) conds.push(sql`e.key_id = ${f.keyId}`);
  if (f.model) conds.push(sql`e.model = ${f.model}`);
  if (f.modality) conds.push(sql`e.modality = ${f.modality}`);
  conds.push(...keyScopeConds("e", accountId, f));
  return sql.join(conds, sql` and `);
}

export type UnitRow = {
  requests: string;
  cost: string;
  input_tokens: string;
  output_tokens: string;
  images: string;
  video_seconds: string;
  characters: string;
  audio_ms: string;
};

export function units(r: UnitRow): UsageUnits {
  return {
    requests: BigInt(r.requests),
    costMicroUsd: BigInt(r.cost),
    inputTokens: BigInt(r.input_tokens),
    outputTokens: BigInt(r.output_tokens),
    images: BigInt(r.images),
    videoSeconds: BigInt(r.video_seconds),
    characters: BigInt(r.characters),
    audioMs: BigInt(r.audio_ms),
  };
}

/**
 * Per bucket (UTC day, or UTC hour for the 24-hour view) and model: requests, spend and
 * every unit; plus the period's totals, summed by PostgreSQL from the same grouped rows
 * (exact numeric), not added up here.
 *
 * Whole UTC days come from the daily rollup, the partial days at the ends from the events
 * (./period.ts): a busy account's 90 days are a few thousand rollup rows instead of its
 * events (docs/benchmarks.md, "Usage analytics").
 */
export async function usageSummary({ db, accountId, filters }: Scope): Promise<UsageSummary> {
  const result = await rows<UnitRow & { bucket: string | null; model: string | null; modality: string | null; is_total: number }>(
    db,
    sql`with g as (
        select p.b, p.model, p.modality,
               sum(p.requests) as requests, sum(p.cost) as cost,
               sum(p.input_tokens) as input_tokens, sum(p.output_tokens) as output_tokens,
               sum(p.images) as images, sum(p.video_seconds) as video_seconds,
               sum(p.characters) as characters, sum(p.audio_ms) as audio_ms
          from (${periodRows(accountId, filters)}) p
         group by 1, 2, 3)
      select to_char(b, 'YYYY-MM-DD"T"HH24:00') as bucket, model, modality, 0 as is_total,
             requests::text as requests, cost::text as cost, input_tokens::text as input_tokens,
             output_tokens::text as output_tokens, images::text as images, video_seconds::text as video_seconds,
             characters::text as characters, audio_ms::text as audio_ms
        from g
      union all
      select null, null, null, 1,
             coalesce(sum(requests), 0)::text, coalesce(sum(cost), 0)::text, coalesce(sum(input_tokens), 0)::text,
             coalesce(sum(output_tokens), 0)::text, coalesce(sum(images), 0)::text, coalesce(sum(video_seconds), 0)::text,
             coalesce(sum(characters), 0)::text, coalesce(sum(audio_ms), 0)::text
        from g
      order by 4, 1, 2`,
    PLAN_PER_CALL,
  );
  let totals = ZERO_UNITS;
  const out: UsageBucketRow[] = [];
  for (const r of result) {
    if (Number(r.is_total) === 1) totals = units(r);
    else out.push({ bucket: r.bucket!, model: r.model!, modality: r.modality!, ...units(r) });
  }
  return { rows: out, totals };
}

export type RequestLogRow = {
  id: number;
  requestId: string;
  /** ISO 8601, UTC, microsecond precision (the database's own). */
  createdAt: string;
  keyId: string | null;
  keyName: string | null;
  /** The name of the key's project (issue 24), null for events without a key. */
  projectName: string | null;
  model: string;
  modality: string;
  inputTokens: bigint;
  outputTokens: bigint;
  images: number;
  videoSeconds: number;
  characters: bigint;
  audioMs: bigint;
  costMicroUsd: bigint;
  status: string;
  httpStatus: number;
  latencyMs: number;
  aborted: boolean;
  /** The provider that answered (upstream models), null for simulators and refusals. */
  provider: string | null;
  /** Where the units came from: "provider" (reported) or "estimate"; null on events recorded before it was kept. */
  unitsSource: string | null;
  /** "billed", "partial" (cut short: what was delivered), "free" (nothing charged). */
  billingState: string;
};

export type LogDbRow = {
  id: string | number;
  request_id: string;
  created_at: string;
  key_id: string | null;
  key_name: string | null;
  project_name: string | null;
  model: string;
  modality: string;
  input_tokens: string;
  output_tokens: string;
  images: number;
  video_seconds: number;
  characters: string;
  audio_ms: string;
  cost: string;
  status: string;
  http_status: number;
  latency_ms: number;
  aborted: boolean;
  provider: string | null;
  units_source: string | null;
  billing_state: string;
};

export const ISO_US = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`);

/** The columns of a request-log row from usage_events e (and api_keys k, KEY_JOIN), as LogDbRow. */
export const LOG_COLUMNS = sql`e.id::text as id, e.request_id, to_char(e.created_at at time zone 'UTC', ${ISO_US}) as created_at,
  e.key_id, k.name as key_name, pj.name as project_name, e.model, e.modality,
  e.input_tokens::text as input_tokens, e.output_tokens::text as output_tokens, e.images, e.video_seconds,
  e.characters::text as characters, e.audio_ms::text as audio_ms, e.cost_micro_usd::text as cost,
  e.status, e.http_status, e.latency_ms, e.aborted, e.provider, e.units_source, e.billing_state`;

// The key's name is joined on both id and account: a key row of another account can never
// lend its name to this account's event; the project is the key's (same account).
export const KEY_JOIN = sql`left join api_keys k on k.id = e.key_id and k.account_id = e.account_id
  left join projects pj on pj.id = k.project_id and pj.account_id = k.account_id`;

export function logRow(r: LogDbRow): RequestLogRow {
  return {
    id: Number(r.id),
    requestId: r.request_id,
    createdAt: r.created_at,
    keyId: r.key_id,
    keyName: r.key_name,
    projectName: r.project_name ?? null,
    model: r.model,
    modality: r.modality,
    inputTokens: BigInt(r.input_tokens),
    outputTokens: BigInt(r.output_tokens),
    images: Number(r.images),
    videoSeconds: Number(r.video_seconds),
    characters: BigInt(r.characters),
    audioMs: BigInt(r.audio_ms),
    costMicroUsd: BigInt(r.cost),
    status: r.status,
    httpStatus: Number(r.http_status),
    latencyMs: Number(r.latency_ms),
    aborted: Boolean(r.aborted),
    provider: r.provider ?? null,
    unitsSource: r.units_source ?? null,
    billingState: r.billing_state,
  };
}

/** Keyset cursor: the last row's (created_at with microseconds, id), newest-first order. */
export type LogCursor = { createdAt: string; id: number };

export type RequestPage = { rows: RequestLogRow[]; next: LogCursor | null };

/** One page of the request log, newest first, after `cursor` (keyset, no OFFSET). */
export async function listRequests({
  db,
  accountId,
  filters,
  cursor,
  limit = 50,
}: Scope & { cursor?: LogCursor | null; limit?: number }): Promise<RequestPage> {
  const size = Math.max(1, Math.min(limit, 5000));
  const after = cursor ? sql`and (e.created_at, e.id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::bigint)` : sql``;
  const result = await rows<LogDbRow>(
    db,
    sql`select ${LOG_COLUMNS}
          from usage_events e ${KEY_JOIN}
         where ${usageWhere(accountId, filters)} ${after}
         order by e.created_at desc, e.id desc
         limit ${size + 1}`,
    PLAN_PER_CALL,
  );
  const page = result.slice(0, size).map(logRow);
  const last = page.at(-1);
  return { rows: page, next: result.length > size && last ? { createdAt: last.createdAt, id: last.id } : null };
}

export type LedgerEntryView = {
  id: number;
  kind: string;
  amountMicroUsd: bigint;
  balanceAfterMicroUsd: bigint;
  reference: string;
  description: string;
  createdAt: string;
};

export type RequestDetail = { event: RequestLogRow; ledgerEntry: LedgerEntryView | null };

/**
 * One request's usage event and its ledger entry, or null if it is not this account's (or,
 * with `createdBy`, not made with a key that user created).
 */
export async function getRequestDetail({
  db,
  accountId,
  requestId,
  createdBy = null,
}: {
  db: Queryable;
  accountId: string;
  requestId: string;
  createdBy?: string | null;
}): Promise<RequestDetail | null> {
  if (!accountId) throw new Error("usage queries need the session's account id");
  const scope = keyScopeConds("e", accountId, { createdBy }).map((c) => sql` and ${c}`);
  const [ev] = await rows<LogDbRow>(
    db,
    sql`select ${LOG_COLUMNS} from usage_events e ${KEY_JOIN}
         where e.account_id = ${accountId} and e.request_id = ${requestId}${sql.join(scope, sql``)}`,
  );
  if (!ev) return null;
  const [le] = await rows<{
    id: string | number;
    kind: string;
    amount: string;
    balance_after: string;
    reference: string;
    description: string;
    created_at: string;
  }>(
    db,
    sql`select id::text as id, kind, amount_micro_usd::text as amount, balance_after_micro_usd::text as balance_after,
               reference, description, to_char(created_at at time zone 'UTC', ${ISO_US}) as created_at
          from ledger_entries
         where account_id = ${accountId} and reference = ${requestId}`,
  );
  return {
    event: logRow(ev),
    ledgerEntry: le
      ? {
          id: Number(le.id),
          kind: le.kind,
          amountMicroUsd: BigInt(le.amount),
          balanceAfterMicroUsd: BigInt(le.balance_after),
          reference: le.reference,
          description: le.description,
          createdAt: le.created_at,
        }
      : null,
  };
}

export type OverviewStats = {
  hasUsage: boolean;
  todayMicroUsd: bigint;
  monthMicroUsd: bigint;
  /** Spend in the last 7 × 24 hours. */
  last7DaysMicroUsd: bigint;
  /** The last 7 UTC days including today, oldest first: [YYYY-MM-DD, micro-USD]. */
  daily: { day: string; costMicroUsd: bigint }[];
};

/**
 * The dashboard home's numbers: whole past UTC days from the daily rollup, today and the
 * partial day 7 × 24 hours ago from the events (./period.ts).
 */
export async function overviewStats({
  db,
  accountId,
  now = new Date(),
  scope = {},
}: {
  db: Queryable;
  accountId: string;
  now?: Date;
  /** Only some keys' usage (a member's own: { createdBy }). */
  scope?: Partial<KeyScope>;
}): Promise<OverviewStats> {
  if (!accountId) throw new Error("usage queries need the session's account id");
  const today = startOfUtcDay(now);
  const month = startOfUtcMonth(now);
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  const weekAgoNextDay = new Date(startOfUtcDay(weekAgo).getTime() + (weekAgo.getTime() === startOfUtcDay(weekAgo).getTime() ? 0 : 86_400_000));
  const sixDaysBack = new Date(today.getTime() - 6 * 86_400_000);
  const since = new Date(Math.min(month.getTime(), weekAgoNextDay.getTime(), sixDaysBack.getTime()));
  const tomorrow = new Date(today.getTime() + 86_400_000);
  const [sums] = await rows<{ today: string; today_day: string; week_head: string; week_today: string; has_any: boolean }>(
    db,
    sql`select ${eventsCost(accountId, today, null, scope)}::text as today,
               ${eventsCost(accountId, today, tomorrow, scope)}::text as today_day,
               ${eventsCost(accountId, weekAgo, weekAgoNextDay, scope)}::text as week_head,
               ${eventsCost(accountId, today, now, scope)}::text as week_today,
               exists (select 1 from usage_events e where e.account_id = ${accountId}${sql.join(
                 keyScopeConds("e", accountId, scope).map((c) => sql` and ${c}`),
                 sql``,
               )}) as has_any`,
  );
  const perDay = today > since ? await rows<{ day: string; cost: string }>(db, rollupDailyCost(accountId, since, today, scope)) : [];
  const byDay = new Map(perDay.map((r) => [r.day, BigInt(r.cost)]));
  const todayMicroUsd = BigInt(sums?.today ?? 0);
  byDay.set(isoDate(today), BigInt(sums?.today_day ?? 0));
  const sumDays = (first: Date) => perDay.reduce((s, r) => (r.day >= isoDate(first) ? s + BigInt(r.cost) : s), 0n);
  const daily = Array.from({ length: 7 }, (_, i) => {
    const day = isoDate(new Date(sixDaysBack.getTime() + i * 86_400_000));
    return { day, costMicroUsd: byDay.get(day) ?? 0n };
  });
  return {
    hasUsage: Boolean(sums?.has_any),
    todayMicroUsd,
    monthMicroUsd: sumDays(month) + todayMicroUsd,
    last7DaysMicroUsd: BigInt(sums?.week_head ?? 0) + sumDays(weekAgoNextDay) + BigInt(sums?.week_today ?? 0),
    daily,
  };
}

/** Whether the account has ever made a request (the empty state shows the quick start). */
export async function hasAnyUsage({ db, accountId, scope = {} }: { db: Queryable; accountId: string; scope?: Partial<KeyScope> }): Promise<boolean> {
  const cond = sql.join(
    keyScopeConds("e", accountId, scope).map((c) => sql` and ${c}`),
    sql``,
  );
  const [r] = await rows<{ has_any: boolean }>(db, sql`select exists (select 1 from usage_events e where e.account_id = ${accountId}${cond}) as has_any`);
  return Boolean(r?.has_any);
}
