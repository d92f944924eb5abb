import { afterAll, describe, expect, it } from "vitest";
import { Ratelimit } from "@upstash/ratelimit";
import { createRateLimiter, redisUrlBackend } from "@/lib/ratelimit";
import { RespClient, RespError } from "@/lib/ratelimit/resp-client";
import { TEST_REDIS_URL, awayFromWindowEdge, deleteKeys, requireRedis, sleep, uniquePrefix } from "@/tests/helpers/redis";

// The RESP client and the script adapter against the real Redis.

const redisOk = await requireRedis("the RESP client tests");
const prefix = uniquePrefix("resp");
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  if (redisOk) await deleteKeys(TEST_REDIS_URL, prefix);
});
const client = () => {
  const c = new RespClient({ url: TEST_REDIS_URL });
  closers.push(() => c.close());
  return c;
};

describe.skipIf(!redisOk)("RESP client on the real Redis", () => {
  it("pipelines many commands on one connection, replies in order", async () => {
    const c = client();
    const replies = await Promise.all(Array.from({ length: 500 }, () => c.call("INCR", `${prefix}:n`)));
    expect(replies).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    const clients = String(await c.call("CLIENT", "LIST", "TYPE", "normal"));
    const mine = await c.call("CLIENT", "ID");
    expect(clients.split("\n").filter((l) => l.startsWith(`id=${mine} `))).toHaveLength(1);
  });

  it("fails only the command that got an error reply", async () => {
    const c = client();
    await c.call("SET", `${prefix}:s`, "héllo ✓ \r\n wörld");
    const [bad, good, missing, list] = await Promise.allSettled([
      c.call("INCR", `${prefix}:s`),
      c.call("GET", `${prefix}:s`),
      c.call("GET", `${prefix}:missing`),
      c.call("EVAL", "return {1, 'two', {3}}", 0),
    ]);
    expect(bad.status === "rejected" && bad.reason).toBeInstanceOf(RespError);
    expect(good).toEqual({ status: "fulfilled", value: "héllo ✓ \r\n wörld" });
    expect(missing).toEqual({ status: "fulfilled", value: null });
    expect(list).toEqual({ status: "fulfilled", value: [1, "two", [3]] });
  });

  it("reconnects by itself after the server drops the connection", async () => {
    const c = client();
    const before = await c.call("CLIENT", "ID");
    await client().call("CLIENT", "KILL", "ID", String(before));
    await sleep(50); // let the close arrive; a command racing it would fail and be retried by the next
    expect(await c.call("PING")).toBe("PONG");
    expect(await c.call("CLIENT", "ID")).not.toBe(before);
  });

  it("needs the shebang stripped: Redis 7.0 refuses @upstash/ratelimit's scripts as shipped", async () => {
    const c = client();
    const version = String(await c.call("INFO", "server")).match(/redis_version:(\d+)\.(\d+)/)!;
    if (!(Number(version[1]) === 7 && Number(version[2]) === 0)) return; // newer Redis accepts the flag
    // The library on a client that passes its scripts through untouched.
    const raw = {
      evalsha: (hash: string, keys: string[], args: unknown[]) => c.call("EVALSHA", hash, keys.length, ...keys, ...args.map(String)),
      eval: (script: string, keys: string[], args: unknown[]) => c.call("EVAL", script, keys.length, ...keys, ...args.map(String)),
    };
    const rl = new Ratelimit({ redis: raw as never, limiter: Ratelimit.fixedWindow(1, "60 s"), prefix, timeout: 0 });
    await expect(rl.limit("raw")).rejects.toThrow(/shebang/);
  });

  it("recovers from NOSCRIPT when Redis forgets the scripts (restart, SCRIPT FLUSH)", async () => {
    const l = createRateLimiter({ backend: redisUrlBackend({ url: TEST_REDIS_URL, prefix }), timeoutMs: 5000 });
    closers.push(() => l.close());
    await awayFromWindowEdge(60_000, 3000);
    expect(await l.limitApiKey({ keyId: "key_noscript", tier: "free" })).toMatchObject({ allowed: true, remaining: 9 });
    await client().call("SCRIPT", "FLUSH");
    const r = await l.limitApiKey({ keyId: "key_noscript", tier: "free" });
    expect(r).toMatchObject({ allowed: true, remaining: 8 });
    expect(r.degraded).toBeUndefined();
  });
});
