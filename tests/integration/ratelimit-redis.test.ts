import { afterAll, describe, expect, it, vi } from "vitest";
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "ioredis";
import { createRateLimiter, redisUrlBackend } from "@/lib/ratelimit";
import { createRedisClient } from "@/lib/ratelimit/redis-client";
import { TEST_REDIS_URL, awayFromWindowEdge, deadPort, deleteKeys, requireRedis, silentServer, sleep, testRedis, uniquePrefix } from "@/tests/helpers/redis";

// The limiter's ioredis client (lib/ratelimit/redis-client.ts) and the script adapter
// (lib/ratelimit/lua-compat.ts) against the real Redis, a dead port and a silent server.

const redisOk = await requireRedis("the Redis client tests");
const prefix = uniquePrefix("ioredis");
const closers: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  if (redisOk) await deleteKeys(TEST_REDIS_URL, prefix);
});
const limiterClient = (url = TEST_REDIS_URL, commandTimeoutMs = 2000): Redis => {
  const c = createRedisClient(url, { commandTimeoutMs });
  closers.push(() => c.disconnect());
  return c;
};
const plain = () => {
  const c = testRedis();
  closers.push(() => c.disconnect());
  return c;
};

describe.skipIf(!redisOk)("the limiter's Redis client on the real Redis", () => {
  it("pipelines many commands on one connection, replies in order", async () => {
    const c = limiterClient();
    const replies = await Promise.all(Array.from({ length: 500 }, () => c.incr(`${prefix}:n`)));
    expect(replies).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    const mine = await c.client("ID");
    const clients = String(await c.call("CLIENT", "LIST", "TYPE", "normal"));
    expect(clients.split("\n").filter((l) => l.startsWith(`id=${mine} `))).toHaveLength(1);
  });

  it("reconnects by itself after the server drops the connection", async () => {
    const c = limiterClient();
    const before = await c.client("ID");
    await plain().client("KILL", "ID", String(before));
    await sleep(50); // let the close arrive; a command racing it fails fast, and the breaker would count it
    expect(await c.ping()).toBe("PONG");
    expect(await c.client("ID")).not.toBe(before);
  });

  it("needs the shebang stripped: Redis 7.0 refuses @upstash/ratelimit's scripts as shipped", async () => {
    const c = plain();
    const version = String(await c.info("server")).match(/redis_version:(\d+)\.(\d+)/)!;
    if (!(Number(version[1]) === 7 && Number(version[2]) === 0)) return; // newer Redis accepts the flag
    // The library on a client that passes its scripts through untouched.
    const raw = {
      evalsha: (hash: string, keys: string[], args: unknown[]) => c.evalsha(hash, keys.length, ...keys, ...args.map(String)),
      eval: (script: string, keys: string[], args: unknown[]) => c.eval(script, keys.length, ...keys, ...args.map(String)),
    };
    const rl = new Ratelimit({ redis: raw as never, limiter: Ratelimit.fixedWindow(1, "60 s"), prefix, timeout: 0 });
    await expect(rl.limit("raw")).rejects.toThrow(/shebang/);
  });

  it("counts through @upstash/ratelimit's scripts, and recovers from NOSCRIPT when Redis forgets them (restart, SCRIPT FLUSH)", async () => {
    const l = createRateLimiter({ backend: redisUrlBackend({ url: TEST_REDIS_URL, prefix }), timeoutMs: 5000 });
    closers.push(() => l.close());
    await awayFromWindowEdge(60_000, 3000);
    // Every decision waits for the store, so each call below is a script run.
    const once = () => l.limit("noscript", { limit: 10, windowSeconds: 60 });
    expect(await once()).toMatchObject({ allowed: true, remaining: 9 });
    await plain().script("FLUSH");
    const r = await once();
    expect(r).toMatchObject({ allowed: true, remaining: 8 });
    expect(r.degraded).toBeUndefined();
    expect(Number(await plain().get(`${prefix}:60000:id:noscript:${Math.floor(Date.now() / 60_000)}`))).toBe(2);
    expect(l.stats()).toMatchObject({ failures: 0, degraded: 0 });
  });
});

describe("the limiter's Redis client fails fast", () => {
  it("a refused connection rejects the queued command at once, instead of keeping it for reconnects", async () => {
    // A long command timeout, so only the failed dial can end the command.
    const c = limiterClient(`redis://127.0.0.1:${await deadPort()}`, 60_000);
    await expect(c.ping()).rejects.toThrow(/max retries per request limit \(which is 0\)/i);
    // Still reconnecting in the background: a later command is tried, not refused for good.
    await expect(c.ping()).rejects.toThrow(/max retries/i);
    expect(c.status).not.toBe("end");
  });

  it("a server that accepts and never answers: the command times out and the connection is dropped", async () => {
    const silent = await silentServer();
    closers.push(silent.close);
    let accepted = 0;
    const c = limiterClient(`redis://127.0.0.1:${silent.port}`, 300);
    c.on("connecting", () => accepted++);
    await expect(c.ping()).rejects.toThrow(/timed out|timeout/i);
    // The stuck connection is not kept: the client dials again by itself.
    await vi.waitFor(() => expect(accepted).toBeGreaterThanOrEqual(2), { timeout: 5000 });
  });
});
