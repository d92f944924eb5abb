import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { usageEvents } from "@/db/schema";

// A request's usage event: ONE typed record and ONE writer (docs/architecture.md, "Usage
// events"). The record is the usage_events row minus what the settle itself decides (the
// request id, the account, the charged cost, the time), so its type and the SQL that
// writes it are both derived from the table in db/schema/ledger.ts: adding a column to
// usage events is a schema edit (plus its migration) and the line that fills it; the
// settle statements (./settle-sql.ts) pick it up from here.

/** Filled by the settle statement, not by the caller. */
const SETTLE_FILLS = ["id", "requestId", "accountId", "costMicroUsd", "createdAt"] as const;

/** What a caller says about a request's usage; the settle adds the request id, account and charge. */
export type UsageRecord = Omit<typeof usageEvents.$inferInsert, (typeof SETTLE_FILLS)[number]>;

type Column = { key: keyof UsageRecord; name: string; sqlType: string; fallback: unknown };

const COLUMNS: Column[] = Object.entries(getTableColumns(usageEvents))
  .filter(([key]) => !(SETTLE_FILLS as readonly string[]).includes(key))
  .map(([key, c]) => {
    // A column default that is a plain value (0, false) is what an omitted field means.
    const d = (c as { default?: unknown }).default;
    return { key: key as keyof UsageRecord, name: c.name, sqlType: c.getSQLType(), fallback: ["number", "boolean", "string"].includes(typeof d) ? d : null };
  });

/**
 * The record as fields of one settle input row (a JSON object), each usage column under
 * `u_<column>`, omitted fields at their column default. bigints travel as strings.
 */
export function usageFields(u: UsageRecord | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { has_usage: !!u };
  for (const c of COLUMNS) {
    const v = u?.[c.key];
    out[`u_${c.name}`] = v === undefined || v === null ? (u ? c.fallback : null) : typeof v === "bigint" ? (v as bigint).toString() : v;
  }
  return out;
}

/** The usage part of the input rows' column definitions (for jsonb_to_recordset). */
export const usageRecordsetColumns: SQL = sql.raw(COLUMNS.map((c) => `u_${c.name} ${c.sqlType}`).join(", "));

/**
 * The usage event insert of a settle statement: one row per settled request of CTE
 * `source` that carries usage (its columns: request_id, account_id, charged, held_key_id
 * and the u_* fields). The key defaults to the one the reservation recorded.
 */
export function usageEventInsert(source: string): SQL {
  const names = COLUMNS.map((c) => c.name);
  const values = COLUMNS.map((c) => (c.name === "key_id" ? "coalesce(u_key_id, held_key_id)" : `u_${c.name}`));
  return sql.raw(
    `insert into usage_events (request_id, account_id, cost_micro_usd, ${names.join(", ")})
          select request_id, account_id, charged, ${values.join(", ")}
            from ${source} where has_usage order by ord`,
  );
}
