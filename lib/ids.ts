import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random base62 string; `length` characters from a uniform alphabet (rejection sampling). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62]; // 248 = 4 * 62: keeps the draw uniform
      if (out.length === length) break;
    }
  }
  return out;
}

export type IdPrefix = "usr" | "acct" | "key" | "req" | "res" | "vid" | "evt" | "tier";

/** Type-prefixed ids (`acct_…`, `req_…`) so a stray id says what it is. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(20)}`;
}
