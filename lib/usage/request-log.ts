import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { PLAN_PER_CALL, rows } from "@/db/rows";
import { getCatalog } from "@/lib/catalog";
import type { SearchParamsInput, UsageFilters } from "./filters";
import { ISO_US, KEY_JOIN, LOG_COLUMNS, logRow, usageWhere, type LogDbRow, type RequestLogRow } from "./queries";
import { keyScopeConds } from "./period";

// The usage page's request log: billed requests (usage_events, whatever their outcome)
// and requests refused before any credit was held (failed_requests), newest first, one
// keyset-paginated page at a time, filtered by status. Scoped by the session's account
// first, like every usage query (lib/usage/queries.ts).

export const LOG_STATUSES = ["all", "ok", "failed", "4xx", "5xx"] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];
export const LOG_STATUS_LABELS: Record<LogStatus, string> = {
  all: "All",
  ok: "Succeeded",
  failed: "Failed (4xx and 5xx)",
  "4xx": "4xx only",
  "5xx": "5xx only",
};

export function parseLogStatus(params: SearchParamsInput): LogStatus {
  const v = params instanceof URLSearchParams ? params.get("status") : params.status;
  const s = Array.isArray(v) ? v[0] : v;
  return (LOG_STATUSES as readonly string[]).includes(s ?? "") ? (s as LogStatus) : "all";
}

export type LogEntry = RequestLogRow & {
  /** "usage": a billed request; "refused": refused before any credit was held (never billed). */
  source: "usage" | "refused";
  /** Refusals of one key coalesced into this row (1 for billed requests). */
  count: number;
  /** The error code of a refusal ("rate_limit_exceeded", …), null for billed requests. */
  code: string | null;
  path: string | null;
};

/** Keyset cursor over both tables: (created_at with microseconds, source, id), newest first. */
export type LogPageCursor = { createdAt: string; src: 0 | 1; id: number };

const CURSOR_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_([01])_(\d{1,18})$/;

export function encodeLogCursor(c: LogPageCursor): string {
  return Buffer.from(`${c.createdAt}_${c.src}_${c.id}`).toString("base64url");
}

export function decodeLogCursor(s: string | null | undefined): LogPageCursor | null {
  if (!s || s.length > 100) return null;
  const m = CURSOR_RE.exec(Buffer.from(s, "base64url").toString("utf8"));
  return m ? { createdAt: m[1], src: Number(m[2]) as 0 | 1, id: Number(m[3]) } : null;
}

function usageStatus(status: LogStatus): SQL {
  switch (status) {
    case "ok":
      return sql`and e.http_status < 400`;
    case "failed":
      return sql`and e.http_status >= 400`;
    case "4xx":
      return sql`and e.http_status between 400 and 499`;
    case "5xx":
      return sql`and e.http_status >= 500`;
    case "all":
      return sql``;
  }
}

function refusedWhere(accountId: string, f: UsageFilters, status: LogStatus): SQL | null {
  if (status === "ok") return null;
  const conds: SQL[] = [
    sql`f.account_id = ${accountId}`,
    sql`f.created_at >= ${f.from.toISOString()}::timestamptz`,
    sql`f.created_at < ${f.to.toISOString()}::timestamptz`,
  ];
  if (status === "4xx") conds.push(sql`f.http_status between 400 and 499`);
  if (status === "5xx") conds.push(sql`f.http_status >= 500`);
  if (f.keyId) conds.push(sql`f.key_id = ${f.keyId}`);
  if (f.model) conds.push(sql`f.model = ${f.model}`);
  conds.push(...keyScopeConds("f", accountId, f));
  if (f.modality) {
    // Refusals carry no modality: take the models the catalog lists for it.
    const ids = getCatalog()
      .models.filter((m) => m.modality === f.modality)
      .map((m) => m.id);
    if (!ids.length) return null;
    conds.push(
      sql`f.model in (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
  }
  return sql.join(conds, sql` and `);
}

/** A row of either side of the union: a usage event's columns, or a refusal's in the same shape. */
type DbRow = Omit<LogDbRow, "model" | "modality"> & {
  model: string | null;
  modality: string | null;
  src: number;
  count: number;
  code: string | null;
  path: string | null;
};

function entry(r: DbRow): LogEntry {
  return {
    ...logRow({ ...r, model: r.model ?? "", modality: r.modality ?? "" }),
    source: Number(r.src) === 1 ? "usage" : "refused",
    count: Number(r.count),
    code: r.code,
    path: r.path,
  };
}

export type LogPage = { rows: LogEntry[]; next: LogPageCursor | null };

/** One page of the request log, newest first, after `cursor`. Each side is an index range scan limited to a page. */
export async function listRequestLog({
  db,
  accountId,
  filters,
  status = "all",
  cursor = null,
  limit = 50,
}: {
  db: Queryable;
  accountId: string;
  filters: UsageFilters;
  status?: LogStatus;
  cursor?: LogPageCursor | null;
  limit?: number;
}): Promise<LogPage> {
  const size = Math.max(1, Math.min(limit, 500));
  const after = (t: string, src: 0 | 1) =>
    cursor
      ? sql`and (${sql.raw(t)}.created_at, ${src}::int, ${sql.raw(t)}.id) < (${cursor.createdAt}::timestamptz, ${cursor.src}::int, ${cursor.id}::bigint)`
      : sql``;
  const billed = sql`(select 1 as src, e.created_at as ts, ${LOG_COLUMNS}, 1 as count, null::text as code, null::text as path
      from usage_events e ${KEY_JOIN}
     where ${usageWhere(accountId, filters)} ${usageStatus(status)} ${after("e", 1)}
     order by e.created_at desc, e.id desc limit ${size + 1})`;
  const refusedCond = refusedWhere(accountId, filters, status);
  const refused = refusedCond
    ? sql`(select 0 as src, f.created_at as ts, f.id::text as id, f.request_id, to_char(f.created_at at time zone 'UTC', ${ISO_US}) as created_at,
          f.key_id, k.name as key_name, pj.name as project_name, f.model, null::text as modality, '0' as input_tokens, '0' as output_tokens,
          0 as images, 0 as video_seconds, '0' as characters, '0' as audio_ms, '0' as cost,
          'refused' as status, f.http_status, 0 as latency_ms, false as aborted,
          null::text as provider, null::text as units_source, 'free' as billing_state, f.count, f.code, f.path
        from failed_requests f left join api_keys k on k.id = f.key_id and k.account_id = f.account_id
          left join projects pj on pj.id = k.project_id and pj.account_id = k.account_id
       where ${refusedCond} ${after("f", 0)}
       order by f.created_at desc, f.id desc limit ${size + 1})`
    : null;
  const union = refused ? sql`${billed} union all ${refused}` : billed;
  const result = await rows<DbRow>(db, sql`select * from (${union}) as log order by ts desc, src desc, id::bigint desc limit ${size + 1}`, PLAN_PER_CALL);
  const page = result.slice(0, size).map(entry);
  const last = page.at(-1);
  return {
    rows: page,
    next: result.length > size && last ? { createdAt: last.createdAt, src: last.source === "usage" ? 1 : 0, id: last.id } : null,
  };
}

export type RefusedRequest = {
  requestId: string;
  createdAt: string;
  lastAt: string;
  keyId: string | null;
  keyName: string | null;
  method: string;
  path: string;
  model: string | null;
  httpStatus: number;
  code: string;
  message: string;
  count: number;
};

/** A refused request by its id (the first of its coalesced group), in this account only (with `createdBy`: of that user's keys only). */
export async function getRefusedRequest({
  db,
  accountId,
  requestId,
  createdBy = null,
}: {
  db: Queryable;
  accountId: string;
  requestId: string;
  createdBy?: string | null;
}): Promise<RefusedRequest | null> {
  const scope = sql.join(
    keyScopeConds("f", accountId, { createdBy }).map((c) => sql` and ${c}`),
    sql``,
  );
  const [r] = await rows<{
    request_id: string;
    created_at: string;
    last_at: string;
    key_id: string | null;
    key_name: string | null;
    method: string;
    path: string;
    model: string | null;
    http_status: number;
    code: string;
    message: string;
    count: number;
  }>(
    db,
    sql`select f.request_id, to_char(f.created_at at time zone 'UTC', ${ISO_US}) as created_at, to_char(f.last_at at time zone 'UTC', ${ISO_US}) as last_at,
               f.key_id, k.name as key_name, f.method, f.path, f.model, f.http_status, f.code, f.message, f.count
          from failed_requests f left join api_keys k on k.id = f.key_id and k.account_id = f.account_id
         where f.account_id = ${accountId} and f.request_id = ${requestId}${scope}
         limit 1`,
  );
  if (!r) return null;
  return {
    requestId: r.request_id,
    createdAt: r.created_at,
    lastAt: r.last_at,
    keyId: r.key_id,
    keyName: r.key_name,
    method: r.method,
    path: r.path,
    model: r.model,
    httpStatus: Number(r.http_status),
    code: r.code,
    message: r.message,
    count: Number(r.count),
  };
}

/** Whether the account has any refused request on record (the usage page shows its log then, not the first-request guide). */
export async function hasAnyRefusal({ db, accountId, createdBy = null }: { db: Queryable; accountId: string; createdBy?: string | null }): Promise<boolean> {
  const scope = sql.join(
    keyScopeConds("f", accountId, { createdBy }).map((c) => sql` and ${c}`),
    sql``,
  );
  const r = await rows<{ one: number }>(db, sql`select 1 as one from failed_requests f where f.account_id = ${accountId}${scope} limit 1`);
  return r.length > 0;
}

export type StatusTotals = { requests: bigint; refused: bigint; costMicroUsd: bigint };

/**
 * Totals of the requests a status filter selects (billed events with that HTTP status and
 * refusals), so the figures above the log agree with it: `status=failed` counts only failed
 * requests and what they were charged (refusals never are). Read from the events, like the log.
 */
export async function statusTotals({
  db,
  accountId,
  filters,
  status,
}: {
  db: Queryable;
  accountId: string;
  filters: UsageFilters;
  status: LogStatus;
}): Promise<StatusTotals> {
  const refusedCond = refusedWhere(accountId, filters, status);
  const [r] = await rows<{ requests: string; cost: string; refused: string }>(
    db,
    sql`select (select count(*) from usage_events e where ${usageWhere(accountId, filters)} ${usageStatus(status)})::text as requests,
               (select coalesce(sum(e.cost_micro_usd), 0) from usage_events e where ${usageWhere(accountId, filters)} ${usageStatus(status)})::text as cost,
               ${refusedCond ? sql`(select coalesce(sum(f.count), 0) from failed_requests f where ${refusedCond})::text` : sql`'0'`} as refused`,
  );
  const refused = BigInt(r?.refused ?? 0);
  return { requests: BigInt(r?.requests ?? 0) + refused, refused, costMicroUsd: BigInt(r?.cost ?? 0) };
}
