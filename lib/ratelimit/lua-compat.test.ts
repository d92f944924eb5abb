import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LuaCompat, ratelimitRedisAdapter } from "./lua-compat";
import type { Redis } from "ioredis";

const sha = (s: string) => createHash("sha1").update(s).digest("hex");

describe("Lua shebang compatibility", () => {
  it("strips the shebang and maps the library's hash to the stripped script's", () => {
    const compat = new LuaCompat();
    const original = "#!lua flags=allow-key-locking\n  return 1\n";
    expect(compat.hash(sha(original))).toBe(sha(original)); // unknown yet: passes through
    expect(compat.command(["EVAL", original, "0"])).toEqual(["EVAL", "  return 1\n", "0"]);
    expect(compat.command(["evalsha", sha(original), "0"])).toEqual(["evalsha", sha("  return 1\n"), "0"]);
    expect(compat.command(["GET", "x"])).toEqual(["GET", "x"]);
    expect(compat.script("return 2")).toBe("return 2");
  });

  it("the adapter sends the stripped script, then its hash, with keys and stringified arguments", async () => {
    const sent: unknown[][] = [];
    const fake = {
      eval: (...a: unknown[]) => (sent.push(["eval", ...a]), Promise.resolve(1)),
      evalsha: (...a: unknown[]) => (sent.push(["evalsha", ...a]), Promise.resolve(2)),
    } as unknown as Redis;
    const adapter = ratelimitRedisAdapter(fake);
    const script = "#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])";
    expect(await adapter.eval(script, ["k1"], [5, null])).toBe(1);
    expect(await adapter.evalsha(sha(script), ["k1"], [5, undefined])).toBe(2);
    const stripped = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
    expect(sent).toEqual([
      ["eval", stripped, 1, "k1", "5", ""],
      ["evalsha", sha(stripped), 1, "k1", "5", ""],
    ]);
  });
});
