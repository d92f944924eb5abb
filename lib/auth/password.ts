import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

// scrypt (RFC 7914), memory-hard, from Node's crypto: no native addon to build. Parameters
// are stored with each hash so they can be raised later without breaking old hashes.
const N = 1 << 15;
const r = 8;
const p = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize("NFKC"), salt, KEYLEN, { N, r, p, maxmem: 128 * N * r * 2 });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/**
 * What `users.password_hash` holds when the account has no password (yet): the one set
 * before a verification link was followed without the account's session was removed
 * (./verification.ts). It names no scheme, so verifyPassword refuses every password; the
 * owner chooses one through the password-reset flow.
 */
export const NO_PASSWORD = "none";

/** Whether a stored hash can match any password (false for NO_PASSWORD and deleted accounts). */
export function hasPassword(stored: string): boolean {
  return stored.startsWith("scrypt$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, rr, pp, saltB64, keyB64] = stored.split("$");
  if (scheme !== "scrypt" || !keyB64) return false;
  const expected = Buffer.from(keyB64, "base64");
  const cost = { N: Number(n), r: Number(rr), p: Number(pp) };
  const key = await scrypt(password.normalize("NFKC"), Buffer.from(saltB64, "base64"), expected.length, {
    ...cost,
    maxmem: 128 * cost.N * cost.r * 2,
  });
  return timingSafeEqual(key, expected);
}

/** Returns a message saying what is wrong, or null when the password is acceptable. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < 10) return "Password must be at least 10 characters.";
  if (password.length > 200) return "Password must be at most 200 characters.";
  if (new Set(password).size < 5) return "Password is too repetitive; use more different characters.";
  if (email && password.toLowerCase().includes(email.split("@")[0].toLowerCase()) && email.split("@")[0].length >= 4) {
    return "Password must not contain your email name.";
  }
  if (COMMON.has(password.toLowerCase())) return "Password is too common; choose another.";
  return null;
}

const COMMON = new Set([
  "password123",
  "password1234",
  "1234567890",
  "qwertyuiop",
  "iloveyou12",
  "0987654321",
  "password12",
  "abcdefghij",
  "letmein123",
  "welcome123",
  "qwerty1234",
  "1q2w3e4r5t",
]);
