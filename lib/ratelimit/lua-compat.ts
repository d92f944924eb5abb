import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

// @upstash/ratelimit 2.1+ starts its Lua scripts with `#!lua flags=allow-key-locking`, a
// flag Upstash accepts and Redis 7.0 rejects ("Unexpected flag in script shebang"). Before
// a script reaches a real Redis we drop the shebang line; without one, Redis runs the
// script in its classic mode, which is what these scripts need (they read and write only
// their declared KEYS). Redis then knows the script by the SHA-1 of the stripped text, so
// EVALSHA calls made with the library's hash (SHA-1 of the original text) are mapped.
// A hash we have not seen yet goes through unchanged, Redis answers NOSCRIPT, and the
// library retries with EVAL, which teaches us the mapping.

const SHEBANG = /^#![^\n]*\n/;

const sha1 = (s: string) => createHash("sha1").update(s, "utf8").digest("hex");

export class LuaCompat {
  private readonly hashes = new Map<string, string>();

  script(text: string): string {
    if (!SHEBANG.test(text)) return text;
    const stripped = text.replace(SHEBANG, "");
    this.hashes.set(sha1(text), sha1(stripped));
    return stripped;
  }

  hash(hash: string): string {
    return this.hashes.get(hash.toLowerCase()) ?? hash;
  }

  /** Rewrites an EVAL / EVALSHA (or _RO) command given as Redis arguments; others pass through. */
  command(args: string[]): string[] {
    const name = args[0]?.toUpperCase();
    if (name === "EVAL" || name === "EVAL_RO") return [args[0], this.script(args[1] ?? ""), ...args.slice(2)];
    if (name === "EVALSHA" || name === "EVALSHA_RO") return [args[0], this.hash(args[1] ?? ""), ...args.slice(2)];
    return args;
  }
}

type ScriptArg = string | number | null | undefined;

/**
 * The part of @upstash/redis's `Redis` that @upstash/ratelimit calls for single-region
 * limiters without analytics or deny lists (read from its dist: `safeEval` uses only
 * `evalsha`, then `eval` after NOSCRIPT; `addTelemetry` is optional-chained). Analytics
 * and `enableProtection` would also need `multi`, `hset`, `sadd`…; we enable neither.
 */
export type EvalClient = {
  evalsha(hash: string, keys: string[], args: ScriptArg[]): Promise<unknown>;
  eval(script: string, keys: string[], args: ScriptArg[]): Promise<unknown>;
};

export function ratelimitRedisAdapter(redis: Redis, compat = new LuaCompat()): EvalClient {
  // @upstash/redis JSON-serialises non-string arguments; for numbers that is String(n).
  const arg = (a: ScriptArg) => (a === null || a === undefined ? "" : String(a));
  return {
    evalsha: (hash, keys, args) => redis.evalsha(compat.hash(hash), keys.length, ...keys, ...args.map(arg)),
    eval: (script, keys, args) => redis.eval(compat.script(script), keys.length, ...keys, ...args.map(arg)),
  };
}
