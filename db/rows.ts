import type { SQL } from "drizzle-orm";
import type { Queryable } from "./client";

// Drizzle's db.execute() runs raw SQL through postgres.js's `unsafe(…, { prepare: false })`.
// An unprepared query with parameters costs postgres.js TWO round trips (Parse + Describe,
// wait for the parameter types, then Bind + Execute), and PostgreSQL parses and plans it
// every time. The ledger's statements (reserve, settle) are on every API request, so on
// postgres.js rows() sends them as named prepared statements instead: described once per
// connection, then one round trip each (measured: 0.79 → 0.44 ms for the reservation at
// concurrency 1; `npm run bench -- gateway`). Same SQL text, same parameters, same rows.

type PostgresJsClient = {
  unsafe: (query: string, params: unknown[], opts: { prepare: boolean }) => Promise<unknown[]>;
};
type WithInternals = {
  session?: { client?: unknown };
  dialect?: { sqlToQuery: (sql: SQL) => { sql: string; params: unknown[] } };
};

function postgresJsClient(db: Queryable): { client: PostgresJsClient; toQuery: (q: SQL) => { sql: string; params: unknown[] } } | null {
  const { session, dialect } = db as unknown as WithInternals;
  const client = session?.client as Partial<PostgresJsClient> | undefined;
  // postgres.js clients (and their transaction-scoped clients) have `unsafe`; PGlite has not.
  if (!client || typeof client.unsafe !== "function" || !dialect) return null;
  return { client: client as PostgresJsClient, toQuery: (q) => dialect.sqlToQuery(q) };
}

/**
 * A query whose best plan depends on its values (a period, an optional key filter): run it
 * unprepared, so PostgreSQL plans it for these values every time. A named prepared statement
 * switches to a generic plan after five runs, one that knows neither the key nor the period:
 * the request log filtered by one key went from 0.7 ms to 4–10 s at 10M events
 * (docs/benchmarks.md, "Usage analytics").
 */
export const PLAN_PER_CALL = { prepare: false } as const;

/**
 * Runs raw SQL and returns its rows on both drivers: postgres.js answers an array,
 * PGlite an object with `rows`. Column values come back as the driver gives them
 * (bigint columns as strings on postgres.js, numbers/bigints on PGlite).
 */
export async function rows<T = Record<string, unknown>>(db: Queryable, query: SQL, opts: { prepare: boolean } = { prepare: true }): Promise<T[]> {
  const pg = postgresJsClient(db);
  if (pg) {
    const q = pg.toQuery(query);
    return (await pg.client.unsafe(q.sql, q.params, { prepare: opts.prepare })) as T[];
  }
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
