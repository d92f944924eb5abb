import fs from "node:fs";
import path from "node:path";
import { drizzle as drizzlePg, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/process";

// Both drivers expose the same Drizzle query API; we type everything against one of them.
export type Db = PostgresJsDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Anything queries can run on: the database or an open transaction. */
export type Queryable = Db | Tx;

export type DbHandle = {
  db: Db;
  kind: "postgres" | "pglite";
  close: () => Promise<void>;
  /** LISTEN on a channel; postgres.js re-listens by itself after a reconnect. */
  listen: (channel: string, onPayload: (payload: string) => void) => Promise<void>;
};

export function defaultPgliteDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), env().PGLITE_DIR ?? ".data/pglite");
}

export function openPostgres(url: string, opts: { max?: number } = {}): DbHandle {
  const client = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    idle_timeout: 30,
    connect_timeout: 5,
    // While the database is unreachable, queries wait for the next reconnect attempt.
    // postgres.js's default backoff grows to 20 s per attempt, which held /v1 requests for
    // up to a minute before their 503 (seen in tests/faults/db-outage.test.ts); capped at
    // 1 s, an outage answers 503 within about a second and recovery is noticed as fast.
    backoff: (attempts: number) => Math.min(0.05 * 2 ** attempts, 1),
  });
  return {
    db: drizzlePg(client, { schema }),
    kind: "postgres",
    close: () => client.end({ timeout: 5 }),
    listen: async (channel, onPayload) => {
      await client.listen(channel, onPayload);
    },
  };
}

// Two processes opening one PGlite folder silently lose writes, so the folder is guarded
// by a lock file holding the owner's pid. A second process is refused with a clear message.
function lockPgliteDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.join(dir, "..", `${path.basename(dir)}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      const release = () => {
        try {
          if (fs.readFileSync(lockPath, "utf8") === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {}
      };
      process.once("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(fs.readFileSync(lockPath, "utf8"));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `The embedded database at ${dir} is in use by process ${owner} (probably the running app). ` +
            `Stop it first, or point both at PostgreSQL with DATABASE_URL.`,
        );
      }
      fs.unlinkSync(lockPath); // stale lock from a process that died
    }
  }
  throw new Error(`Could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function openPglite(dir: string | null): Promise<DbHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const release = dir ? lockPgliteDir(dir) : () => {};
  const client = new PGlite(dir ?? undefined);
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    listen: async (channel, onPayload) => {
      await client.listen(channel, onPayload);
    },
    close: async () => {
      await client.close();
      release();
    },
  };
}

// One client per process (lib/process.ts), so dev-mode reloads and every route bundle share
// it. Opened lazily: `next build` imports this module while collecting page data and must
// not open anything.
const current = processSingleton("db.handle", () => ({ handle: undefined as Promise<DbHandle> | undefined }));

export function getDbHandle(): Promise<DbHandle> {
  const opening = (current.handle ??= (async () => {
    const { migrate } = await import("./migrate");
    const url = env().DATABASE_URL;
    const handle = url ? openPostgres(url) : await openPglite(defaultPgliteDir());
    await migrate(handle, url);
    return handle;
  })());
  opening.catch(() => {
    if (current.handle === opening) current.handle = undefined; // let the next request retry (e.g. database was down)
  });
  return opening;
}

/**
 * Makes an already open database the process's one (a caller that opened it itself, such
 * as the integration tests' fixture), or with undefined forgets it (the next getDb() opens
 * the configured one). The caller keeps closing it.
 */
export function useDbHandle(handle: DbHandle | undefined): void {
  current.handle = handle ? Promise.resolve(handle) : undefined;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}
