import net from "node:net";
import { Redis } from "ioredis";
import { randomBase62 } from "@/lib/ids";

// Rate-limit tests run on the real Redis at 127.0.0.1:6379 (TEST_REDIS_URL to change).
// Without one they are skipped with a notice, except under CI=true, where that is a failure.

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A plain client for a test's own checks on the Redis (not the limiter's connection). */
export function testRedis(url = TEST_REDIS_URL): Redis {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, commandTimeout: 2000, connectTimeout: 2000, protocol: 2 });
  c.on("error", () => {});
  return c;
}

export async function redisReachable(url = TEST_REDIS_URL): Promise<boolean> {
  const c = testRedis(url);
  try {
    return (await c.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** True when Redis tests should run; prints why not, or throws under CI. */
export async function requireRedis(what: string): Promise<boolean> {
  if (await redisReachable()) return true;
  const msg = `Redis is not answering at ${TEST_REDIS_URL}`;
  if (process.env.CI === "true") throw new Error(`CI=true but ${msg}; .ci/run must start it.`);
  console.warn(`[tests] ${msg}: skipping ${what}. Start it with: redis-server --daemonize yes --port 6379 --save ""`);
  return false;
}

/** A key prefix no other test run uses. */
export function uniquePrefix(label: string): string {
  return `rltest:${label}:${randomBase62(10)}`;
}

export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const c = testRedis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await c.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length) await c.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    c.disconnect();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the wall clock has passed `untilMs` (timers may fire a millisecond early). */
export async function sleepUntil(untilMs: number): Promise<void> {
  while (Date.now() < untilMs) await sleep(Math.max(1, untilMs - Date.now()));
}

/**
 * Fixed windows end at multiples of their length. A burst meant to land in one window
 * waits out the last `marginMs` of the current one rather than straddle the edge.
 */
export async function awayFromWindowEdge(windowMs: number, marginMs: number): Promise<void> {
  const into = Date.now() % windowMs;
  if (into > windowMs - marginMs) await sleepUntil(Date.now() - into + windowMs + 20);
}

/** A TCP server that accepts connections and never says a word. */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A loopback port that nothing listens on (bound once, then released). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
