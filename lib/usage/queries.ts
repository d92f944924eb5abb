import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { startOfUtcDay, startOfUtcMonth, type UsageFilters } from "./filters";

// Usage analytics, aggregated in SQL. Every query starts from `account_id = <the session's
// account>`: callers pass the account id they got from requireAccount()/currentAccount(),
// never one from the request, and every other filter (key, model, modality) only narrows
// it, so another account's key id simply matches nothing.
//
// Money: sums of bigint are numeric in PostgreSQL; they are cast to text and parsed with
// BigInt(), so no amount ever passes through a float. Unit counts get the same treatment
// (tokens can pass 2^53 summed over a busy account's lifetime, in principle).
//
// The scans are answered from the covering index usage_account_time_cover (see
// db/schema/ledger.ts); `npm run bench -- usage` times them on a million events.

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
  const conds: SQL[] = [
    sql`e.account_id = ${accountId}`,
    sql`e.created_at >= ${ts(f.from)}`,
    sql`e.created_at < ${ts(f.to)}`,
  ];
  if (f.keyId) conds.push(sql`e.key_id = ${f.keyId}`);
  if (f.model) conds.push(sql`e.model = ${f.model}`);
  if (f.modality) conds.push(sql`e.modality = ${f.modality}`);
  return sql.join(conds, sql` and `);
}

type UnitRow = {
  requests: string;
  cost: string;
  input_tokens: string;
  output_tokens: string;
  images: string;
  video_seconds: string;
  characters: string;
  audio_ms: string;
};

function units(r: UnitRow): UsageUnits {
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
 * Performance (see docs/benchmarks.md): the planner cannot estimate how many distinct
 * days an expression yields, so it assumes one group per row and, with the default 4 MB
 * work_mem, sorts the whole scan on disk before grouping. A larger work_mem for this one
 * transaction lets it hash-aggregate in memory instead (a few hundred groups in practice).
 */
export async function usageSummary({ db, accountId, filters }: Scope): Promise<UsageSummary> {
  const unit = sql.raw(filters.bucket === "hour" ? "'hour'" : "'day'");
  const query = sql`with g as (
        select date_trunc(${unit}, e.created_at at time zone 'UTC') as b, e.model, e.modality,
               count(*) as requests, sum(e.cost_micro_usd) as cost,
               sum(e.input_tokens) as input_tokens, sum(e.output_tokens) as output_tokens,
               sum(e.images) as images, sum(e.video_seconds) as video_seconds,
               sum(e.characters) as characters, sum(e.audio_ms) as audio_ms
          from usage_events e
         where ${usageWhere(accountId, filters)}
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
      order by 4, 1, 2`;
  const result = await db.transaction(async (tx) => {
    await tx.execute(sql`set local work_mem = '32MB'`);
    return rows<UnitRow & { bucket: string | null; model: string | null; modality: string | null; is_total: number }>(tx, query);
  });
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
};

type LogDbRow = {
  id: string | number;
  request_id: string;
  created_at: string;
  key_id: string | null;
  key_name: string | null;
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
};

const ISO_US = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`);

const LOG_COLUMNS = sql`e.id::text as id, e.request_id, to_char(e.created_at at time zone 'UTC', ${ISO_US}) as created_at,
  e.key_id, k.name as key_name, e.model, e.modality,
  e.input_tokens::text as input_tokens, e.output_tokens::text as output_tokens, e.images, e.video_seconds,
  e.characters::text as characters, e.audio_ms::text as audio_ms, e.cost_micro_usd::text as cost,
  e.status, e.http_status, e.latency_ms, e.aborted`;

// The key's name is joined on both id and account: a key row of another account can never
// lend its name to this account's event.
const KEY_JOIN = sql`left join api_keys k on k.id = e.key_id and k.account_id = e.account_id`;

function logRow(r: LogDbRow): RequestLogRow {
  return {
    id: Number(r.id),
    requestId: r.request_id,
    createdAt: r.created_at,
    keyId: r.key_id,
    keyName: r.key_name,
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
  };
}

/** Keyset cursor: the last row's (created_at with microseconds, id), newest-first order. */
export type LogCursor = { createdAt: string; id: number };

const CURSOR_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_(\d{1,18})$/;

export function encodeCursor(c: LogCursor): string {
  return Buffer.from(`${c.createdAt}_${c.id}`).toString("base64url");
}

export function decodeCursor(s: string | null | undefined): LogCursor | null {
  if (!s || s.length > 100) return null;
  const m = CURSOR_RE.exec(Buffer.from(s, "base64url").toString("utf8"));
  return m ? { createdAt: m[1], id: Number(m[2]) } : null;
}

export type RequestPage = { rows: RequestLogRow[]; next: LogCursor | null };

/** One page of the request log, newest first, after `cursor` (keyset, no OFFSET). */
export async function listRequests({ db, accountId, filters, cursor, limit = 50 }: Scope & { cursor?: LogCursor | null; limit?: number }): Promise<RequestPage> {
  const size = Math.max(1, Math.min(limit, 5000));
  const after = cursor
    ? sql`and (e.created_at, e.id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::bigint)`
    : sql``;
  const result = await rows<LogDbRow>(
    db,
    sql`select ${LOG_COLUMNS}
          from usage_events e ${KEY_JOIN}
         where ${usageWhere(accountId, filters)} ${after}
         order by e.created_at desc, e.id desc
         limit ${size + 1}`,
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

/** One request's usage event and its ledger entry, or null if it is not this account's. */
export async function getRequestDetail({ db, accountId, requestId }: { db: Queryable; accountId: string; requestId: string }): Promise<RequestDetail | null> {
  if (!accountId) throw new Error("usage queries need the session's account id");
  const [ev] = await rows<LogDbRow>(
    db,
    sql`select ${LOG_COLUMNS} from usage_events e ${KEY_JOIN}
         where e.account_id = ${accountId} and e.request_id = ${requestId}`,
  );
  if (!ev) return null;
  const [le] = await rows<{ id: string | number; kind: string; amount: string; balance_after: string; reference: string; description: string; created_at: string }>(
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

/** The dashboard home's numbers, in one scan of at most ~31 days of this account's events. */
export async function overviewStats({ db, accountId, now = new Date() }: { db: Queryable; accountId: string; now?: Date }): Promise<OverviewStats> {
  if (!accountId) throw new Error("usage queries need the session's account id");
  const today = startOfUtcDay(now);
  const month = startOfUtcMonth(now);
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  const sixDaysBack = new Date(today.getTime() - 6 * 86_400_000);
  const since = new Date(Math.min(month.getTime(), weekAgo.getTime(), sixDaysBack.getTime()));
  const [sums] = await rows<{ today: string; month: string; week: string; has_any: boolean }>(
    db,
    sql`select coalesce(sum(cost_micro_usd) filter (where created_at >= ${ts(today)}), 0)::text as today,
               coalesce(sum(cost_micro_usd) filter (where created_at >= ${ts(month)}), 0)::text as month,
               coalesce(sum(cost_micro_usd) filter (where created_at >= ${ts(weekAgo)} and created_at < ${ts(now)}), 0)::text as week,
               exists (select 1 from usage_events where account_id = ${accountId}) as has_any
          from usage_events
         where account_id = ${accountId} and created_at >= ${ts(since)}`,
  );
  const perDay = await rows<{ day: string; cost: string }>(
    db,
    sql`select to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD') as day,
               sum(cost_micro_usd)::text as cost
          from usage_events
         where account_id = ${accountId} and created_at >= ${ts(sixDaysBack)}
         group by 1`,
  );
  const byDay = new Map(perDay.map((r) => [r.day, BigInt(r.cost)]));
  const daily = Array.from({ length: 7 }, (_, i) => {
    const day = new Date(sixDaysBack.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    return { day, costMicroUsd: byDay.get(day) ?? 0n };
  });
  return {
    hasUsage: Boolean(sums?.has_any),
    todayMicroUsd: BigInt(sums?.today ?? 0),
    monthMicroUsd: BigInt(sums?.month ?? 0),
    last7DaysMicroUsd: BigInt(sums?.week ?? 0),
    daily,
  };
}

/** Whether the account has ever made a request (the empty state shows the quick start). */
export async function hasAnyUsage({ db, accountId }: { db: Queryable; accountId: string }): Promise<boolean> {
  const [r] = await rows<{ has_any: boolean }>(db, sql`select exists (select 1 from usage_events where account_id = ${accountId}) as has_any`);
  return Boolean(r?.has_any);
}
