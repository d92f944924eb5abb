import type { SQL } from "drizzle-orm";
import type { Queryable } from "./client";

/**
 * Runs raw SQL and returns its rows on both drivers: postgres.js answers an array,
 * PGlite an object with `rows`. Column values come back as the driver gives them
 * (bigint columns as strings on postgres.js, numbers/bigints on PGlite).
 */
export async function rows<T = Record<string, unknown>>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
