import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { rows } from "@/db/rows";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/process";
import { isDraining, startDraining } from "./draining";

// Liveness and readiness (README, "Operations").
//  - /healthz: 200 while the process can serve HTTP. Nothing else is asked.
//  - /readyz: 200 only when PostgreSQL answers and every committed migration is applied,
//    and the rate limiter's Redis (REDIS_URL or Upstash) answers when one is configured;
//    else 503 naming the failing dependency. 503 at once, whatever the dependencies, once
//    markNotReady() was called (shutdown: the balancer stops sending before the server
//    stops accepting).
// Cheap: each dependency gets PROBE_TIMEOUT_MS, the probes run together, one probe runs at a
// time per process and its result is reused for CACHE_MS, so a balancer polling every
// 100 ms costs one query per second. The body names dependencies and error codes only:
// never a URL, a host or a message that could carry one.

export const PROBE_TIMEOUT_MS = 1_000;
export const CACHE_MS = 1_000;

export type Check = { ok: boolean; ms: number; error?: string };
export type Readiness = { ready: boolean; status: "ready" | "unavailable" | "draining"; failing: string[]; checks: Record<string, Check> };

const state = processSingleton("observability.health", () => ({
  last: null as { at: number; result: Readiness } | null,
  inFlight: null as Promise<Readiness> | null,
}));

/** From now on /readyz answers 503 ("draining"): called when the process is asked to stop (lib/shutdown.ts). */
export const markNotReady = startDraining;
export { isDraining };

class ProbeTimeout extends Error {}

async function timed(probe: () => Promise<string | null>): Promise<Check> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeout()), PROBE_TIMEOUT_MS);
    timer.unref?.();
  });
  try {
    const problem = await Promise.race([probe(), timeout]);
    const ms = Math.round(performance.now() - start);
    return problem ? { ok: false, ms, error: problem } : { ok: true, ms };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - start), error: safeReason(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** A reason without secrets: a timeout, an error code (ECONNREFUSED, 57P01…), or just "error". */
function safeReason(err: unknown): string {
  if (err instanceof ProbeTimeout) return `no answer within ${PROBE_TIMEOUT_MS} ms`;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Za-z0-9_]{1,32}$/.test(code) ? code : "error";
}

/** The newest migration this build ships (db/migrations/meta/_journal.json), read once. */
function newestMigration(): { tag: string; when: number } | null {
  return processSingleton("observability.newestMigration", () => {
    const dir = process.env.MIGRATIONS_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), "db", "migrations");
    try {
      const journal = JSON.parse(fs.readFileSync(path.join(dir, "meta", "_journal.json"), "utf8")) as { entries: { tag: string; when: number }[] };
      return journal.entries.at(-1) ?? null;
    } catch {
      return null;
    }
  });
}

async function probePostgres(): Promise<{ postgres: Check; migrations: Check }> {
  let reached = false;
  let migrationsNewest: number | null = null;
  const postgres = await timed(async () => {
    const db = await getDb(); // opens and migrates on first use; fails while unreachable
    const found = await rows<{ newest: string | null }>(db, sql`select max(created_at)::text as newest from drizzle.__drizzle_migrations`);
    reached = true;
    const newest = found[0]?.newest;
    migrationsNewest = newest === null || newest === undefined ? null : Number(newest);
    return null;
  });
  if (!reached) return { postgres, migrations: { ok: false, ms: 0, error: "postgres unavailable" } };
  const wanted = newestMigration();
  const applied = wanted === null || (migrationsNewest !== null && migrationsNewest >= wanted.when);
  return { postgres, migrations: applied ? { ok: true, ms: 0 } : { ok: false, ms: 0, error: `not applied: ${wanted?.tag}` } };
}

type RedisPing = { ping: () => Promise<string> };

function redisProbe(): (() => Promise<string | null>) | null {
  const e = env();
  if (e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN) {
    const url = e.UPSTASH_REDIS_REST_URL.replace(/\/+$/, "");
    const token = e.UPSTASH_REDIS_REST_TOKEN;
    return async () => {
      const res = await fetch(`${url}/ping`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.body?.cancel();
      return res.ok ? null : `HTTP ${res.status}`;
    };
  }
  if (e.REDIS_URL) {
    const redisUrl = e.REDIS_URL;
    const client = processSingleton("observability.healthRedis", () => {
      let made: Promise<RedisPing> | null = null;
      return () =>
        (made ??= import("ioredis").then(({ Redis }) => {
          const c = new Redis(redisUrl, {
            // A PING sent while (re)connecting waits for the connection (bounded by the
            // probe's timeout); one that fails to connect is failed at once, not retried.
            maxRetriesPerRequest: 0,
            connectTimeout: PROBE_TIMEOUT_MS,
            retryStrategy: (attempt: number) => Math.min(100 * attempt, 1_000),
          });
          c.on("error", () => {}); // reported through the probe, not as an unhandled event
          return c;
        }));
    });
    return async () => {
      const answer = await (await client()).ping();
      return answer === "PONG" ? null : "unexpected answer";
    };
  }
  return null;
}

async function probe(): Promise<Readiness> {
  const redis = redisProbe();
  const [pg, redisCheck] = await Promise.all([probePostgres(), redis ? timed(redis) : Promise.resolve(null)]);
  const checks: Record<string, Check> = { postgres: pg.postgres, migrations: pg.migrations };
  if (redisCheck) checks.redis = redisCheck;
  const failing = Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([name]) => name);
  return { ready: failing.length === 0, status: failing.length ? "unavailable" : "ready", failing, checks };
}

/** The process's readiness, probed at most once per CACHE_MS. */
export async function readiness(now = Date.now()): Promise<Readiness> {
  if (isDraining()) return { ready: false, status: "draining", failing: ["draining"], checks: {} };
  if (state.last && now - state.last.at < CACHE_MS) return state.last.result;
  state.inFlight ??= probe()
    .then((result) => {
      state.last = { at: Date.now(), result };
      return result;
    })
    .finally(() => {
      state.inFlight = null;
    });
  const result = await state.inFlight;
  return isDraining() ? { ready: false, status: "draining", failing: ["draining"], checks: {} } : result;
}
