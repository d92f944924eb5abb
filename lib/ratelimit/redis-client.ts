import net from "node:net";
import { Redis, type RedisOptions } from "ioredis";

// The limiter's connection to a self-hosted Redis (REDIS_URL), on ioredis. The limiter
// bounds every decision itself (its timeout and breaker, ./breaker.ts); the options below
// make sure the client underneath never holds work longer than that or replays it:
//
// - Fail fast, no endless offline queue. A command sent while the connection is being
//   made waits for it (so the first request after start is not failed for nothing), but
//   `maxRetriesPerRequest: 0` rejects everything queued as soon as a connection attempt
//   fails, instead of keeping it for 20 reconnects (ioredis's default).
// - `commandTimeout` rejects a command with no reply in time; `socketTimeout` destroys a
//   connection that owes replies and sends nothing (a Redis that accepts and never
//   answers), so the next command gets a fresh one; `connectTimeout` bounds the dial.
// - `autoResendUnfulfilledCommands: false`: a script whose reply was lost with the
//   connection may already have counted; sending it again would count it twice.
// - Reconnects: in the background, quickly at first, then every 2 s at most (cheap: a
//   refused dial costs nothing; the breaker decides when requests may use it again).
// - TLS when the URL says `rediss://`, with the host name for SNI and certificate checks
//   (Node's defaults: the system's CAs, rejectUnauthorized).
// - RESP2: every Redis version and managed Redis speaks it, and our scripts' replies are
//   the same in both protocols.

export type RedisClientOptions = {
  /** Longest a command may wait for its reply (and a connection for its dial). */
  commandTimeoutMs: number;
};

/** The ioredis options for a REDIS_URL (exported so the choices above are unit-tested). */
export function redisClientOptions(url: string, opts: RedisClientOptions): RedisOptions {
  const u = new URL(url);
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new Error(`REDIS_URL must start with redis:// or rediss://, got ${u.protocol}//`);
  const host = u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const db = Number(u.pathname.slice(1) || 0);
  if (!Number.isInteger(db) || db < 0) throw new Error(`REDIS_URL's database must be a number, got ${u.pathname.slice(1)}`);
  return {
    host,
    port: Number(u.port || 6379),
    username: decodeURIComponent(u.username) || undefined,
    password: decodeURIComponent(u.password) || undefined,
    db,
    // SNI takes a host name only; for an IP address the certificate is checked against the IP.
    tls: u.protocol === "rediss:" ? (net.isIP(host) ? {} : { servername: host }) : undefined,
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: opts.commandTimeoutMs,
    socketTimeout: opts.commandTimeoutMs,
    connectTimeout: opts.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    // Nothing to tell the server about us; one command less on every connection.
    disableClientInfo: true,
  };
}

/**
 * A client for REDIS_URL. Connection errors are reported by the commands that fail (and
 * so by the limiter's breaker, which logs sparingly); the listener keeps ioredis from
 * printing every refused reconnect.
 */
export function createRedisClient(url: string, opts: RedisClientOptions): Redis {
  const redis = new Redis(redisClientOptions(url, opts));
  redis.on("error", () => {});
  return redis;
}

/** Closes a client at once; nothing is pending by then (the limiter flushes first). */
export async function closeRedisClient(redis: Redis): Promise<void> {
  redis.disconnect(false);
}
