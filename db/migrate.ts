import path from "node:path";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import type { DbHandle } from "./client";

// Resolved from the working directory: inside a Next.js bundle import.meta.url points
// into .next/, not at the sources.
export const migrationsFolder = process.env.MIGRATIONS_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), "db", "migrations");

// Applies the committed drizzle-kit migrations. On PostgreSQL many instances may start at
// once, so the run is serialised with a session advisory lock on a dedicated connection.
export async function migrate(handle: DbHandle, databaseUrl?: string): Promise<void> {
  if (handle.kind === "pglite") {
    const { migrate: run } = await import("drizzle-orm/pglite/migrator");
    await run(handle.db as never, { migrationsFolder });
    return;
  }
  if (!databaseUrl) throw new Error("migrate: databaseUrl is required for PostgreSQL");
  const { migrate: run } = await import("drizzle-orm/postgres-js/migrator");
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(727274)`;
    await run(drizzle(client), { migrationsFolder });
    await client`select pg_advisory_unlock(727274)`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
