import net from "node:net";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { createRedisClient, redisClientOptions } from "./redis-client";

// The ioredis options chosen for REDIS_URL (reasons in ./redis-client.ts). The behaviour
// they buy on a real Redis, a dead port and a silent server is tested in
// tests/integration/ratelimit-redis.test.ts.

describe("REDIS_URL to ioredis options", () => {
  it("redis:// is plain TCP; host, port, credentials and database come from the URL", () => {
    const o = redisClientOptions("redis://app:p%40ss@cache.internal:6380/2", { commandTimeoutMs: 750 });
    expect(o).toMatchObject({ host: "cache.internal", port: 6380, username: "app", password: "p@ss", db: 2 });
    expect(o.tls).toBeUndefined();
    expect(redisClientOptions("redis://:secret@[::1]", { commandTimeoutMs: 750 })).toMatchObject({
      host: "::1",
      port: 6379,
      username: undefined,
      password: "secret",
      db: 0,
    });
  });

  it("rediss:// is accepted by the configuration and connects over TLS, with SNI for a host name", () => {
    expect(parseEnv({ REDIS_URL: "rediss://default:tok@eu1.cache.example:6380" }).REDIS_URL).toBe("rediss://default:tok@eu1.cache.example:6380");
    expect(() => parseEnv({ REDIS_URL: "http://cache.example" })).toThrow(/REDIS_URL/);
    expect(redisClientOptions("rediss://default:tok@eu1.cache.example:6380", { commandTimeoutMs: 750 }).tls).toEqual({ servername: "eu1.cache.example" });
    expect(redisClientOptions("rediss://10.0.0.5:6380", { commandTimeoutMs: 750 }).tls).toEqual({});
  });

  it("fails fast: bounded commands and dials, no replay, no queue kept across failed connections", () => {
    const o = redisClientOptions("redis://127.0.0.1:6379", { commandTimeoutMs: 750 });
    expect(o).toMatchObject({
      commandTimeout: 750,
      socketTimeout: 750,
      connectTimeout: 750,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      lazyConnect: true,
      protocol: 2,
    });
    const retry = o.retryStrategy as (n: number) => number;
    expect([1, 5, 20, 1000].map(retry)).toEqual([100, 500, 2000, 2000]); // never gives up, never hammers
    expect(() => redisClientOptions("redis://127.0.0.1/x", { commandTimeoutMs: 750 })).toThrow(/database/);
  });

  it("rediss:// speaks TLS on the wire: the first bytes are a TLS ClientHello naming the host", async () => {
    let first: Buffer | null = null;
    const server = net.createServer((s) => {
      s.once("data", (d: Buffer) => {
        first = d;
        s.destroy();
      });
      s.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    // "localhost" resolves to the loopback listener; the name goes out as SNI.
    const redis = createRedisClient(`rediss://localhost:${port}`, { commandTimeoutMs: 500 });
    try {
      await expect(redis.ping()).rejects.toThrow();
      expect(first).not.toBeNull();
      expect(first![0]).toBe(0x16); // TLS handshake record
      expect(first![5]).toBe(0x01); // ClientHello
      expect(first!.includes(Buffer.from("localhost"))).toBe(true);
    } finally {
      redis.disconnect();
      await new Promise((r) => server.close(r));
    }
  });
});
