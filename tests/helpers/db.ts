import postgres from "postgres";
import { openPglite, openPostgres, type DbHandle } from "@/db/client";
import { migrate } from "@/db/migrate";
import { randomBase62 } from "@/lib/ids";

// Integration tests run on the real PostgreSQL (127.0.0.1:5432 unless TEST_DATABASE_URL
// says otherwise), each file in a scratch database of its own. TEST_DB=pglite runs the
// same tests on embedded PGlite. Without a reachable PostgreSQL they fall back to PGlite
// and say so, except under CI=true, where nothing may be skipped or swapped.

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let reachable: Promise<boolean> | undefined;
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const sql = postgres(ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  })();
  return reachable;
}

export type TestDb = DbHandle & { url: string | null; drop: () => Promise<void> };

export async function whichTestDb(): Promise<"postgres" | "pglite"> {
  if (process.env.TEST_DB === "pglite") return "pglite";
  if (await postgresReachable()) return "postgres";
  if (process.env.CI === "true") {
    throw new Error(`CI=true but PostgreSQL is not answering at ${ADMIN_URL}; .ci/run must start it.`);
  }
  console.warn(`[tests] PostgreSQL not reachable at ${ADMIN_URL}: running database tests on PGlite instead.`);
  return "pglite";
}

/** A fresh, migrated database. Call `drop()` in afterAll. */
export async function createTestDb(opts: { maxConnections?: number } = {}): Promise<TestDb> {
  if ((await whichTestDb()) === "pglite") {
    const handle = await openPglite(null);
    await migrate(handle);
    return { ...handle, url: null, drop: handle.close };
  }
  const name = `test_${randomBase62(12).toLowerCase()}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  await migrate({ kind: "postgres" } as DbHandle, url);
  const handle = openPostgres(url, { max: opts.maxConnections ?? 20 });
  return {
    ...handle,
    url,
    drop: async () => {
      await handle.close();
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
