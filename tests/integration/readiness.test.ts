import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { useDbHandle } from "@/db/client";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { redisReachable, TEST_REDIS_URL } from "@/tests/helpers/redis";

// /readyz's verdict (lib/observability/health.ts) on a real database and a real Redis: ready
// when both answer and every committed migration is applied; "migrations" failing when the
// newest one is not; "redis" failing when REDIS_URL points at nothing, with a reason that
// names no address; "draining" at once after markNotReady(). The server test
// (tests/server/observability.test.ts) cuts PostgreSQL under the built app.

let t: TestDb;
const saved = { ...process.env };
const redisUp = await redisReachable();

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  useDbHandle(undefined);
  await t?.drop();
});
afterEach(() => {
  process.env = { ...saved };
});

/** The health module afresh (env read again, no cached verdict) over the test database. */
async function fresh(env: Record<string, string | undefined>) {
  vi.resetModules();
  const g = globalThis as { __metered?: { values: Map<string, unknown> } };
  for (const k of [...(g.__metered?.values.keys() ?? [])]) if (k.startsWith("observability.")) g.__metered!.values.delete(k);
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  useDbHandle(t);
  return import("@/lib/observability/health");
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe("readiness", () => {
  it.skipIf(!redisUp)("ready with PostgreSQL migrated and Redis answering", async () => {
    const { readiness } = await fresh({ REDIS_URL: TEST_REDIS_URL, UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined });
    const r = await readiness();
    expect(r).toMatchObject({ ready: true, status: "ready", failing: [] });
    expect(Object.keys(r.checks).sort()).toEqual(["migrations", "postgres", "redis"]);
  });

  it("names redis when REDIS_URL answers nothing, without its address", async () => {
    const port = await closedPort();
    const { readiness, PROBE_TIMEOUT_MS } = await fresh({ REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}` });
    const started = Date.now();
    const r = await readiness();
    expect(Date.now() - started).toBeLessThan(PROBE_TIMEOUT_MS + 500);
    expect(r).toMatchObject({ ready: false, status: "unavailable", failing: ["redis"] });
    const body = JSON.stringify(r);
    expect(body).not.toContain(String(port));
    expect(body).not.toContain("hunter2");
  });

  it("names migrations when the newest committed migration is not applied; cached for a second", async () => {
    const { readiness, CACHE_MS } = await fresh({ REDIS_URL: undefined, UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined });
    expect((await readiness()).ready).toBe(true);
    const [newest] = await t.db.execute<{ id: number; hash: string; created_at: string }>(
      sql`select id, hash, created_at::text from drizzle.__drizzle_migrations order by created_at desc limit 1`,
    );
    await t.db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${newest.id}`);
    try {
      expect((await readiness()).ready).toBe(true); // the verdict of a moment ago
      const r = await readiness(Date.now() + CACHE_MS);
      expect(r).toMatchObject({ ready: false, failing: ["migrations"] });
      expect(r.checks.postgres.ok).toBe(true);
    } finally {
      await t.db.execute(
        sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${newest.id}, ${newest.hash}, ${newest.created_at}::bigint)`,
      );
    }
  });

  it("answers draining at once after markNotReady(), whatever the dependencies", async () => {
    const { readiness, markNotReady, isDraining } = await fresh({ REDIS_URL: undefined });
    expect((await readiness()).ready).toBe(true);
    markNotReady();
    expect(isDraining()).toBe(true);
    expect(await readiness()).toMatchObject({ ready: false, status: "draining" });
  });
});
