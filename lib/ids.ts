import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Cryptographically random bytes, drawn from the OS 4 KiB at a time rather than per id
// (each draw is a system call, and every API request takes a few ids). Every byte is used
// at most once.
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;
function nextByte(): number {
  if (offset >= pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  return pool[offset++];
}

/**
 * The symbol a uniformly random byte stands for, or null when the byte is rejected: the
 * 248 = 4 × 62 lowest values map 4 to each symbol, the 8 highest are drawn again, so every
 * symbol is exactly equally likely.
 */
export function base62Symbol(byte: number): string | null {
  return byte < 248 ? ALPHABET[byte % 62] : null;
}

/** Random base62 string; `length` characters from a uniform alphabet (rejection sampling). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) out += base62Symbol(nextByte()) ?? "";
  return out;
}

export type IdPrefix = "usr" | "acct" | "key" | "req" | "res" | "vid" | "evt" | "tier" | "etok" | "alert" | "proj" | "inv" | "mkey";

/** Type-prefixed ids (`acct_…`, `req_…`) so a stray id says what it is. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(20)}`;
}
