import { describe, expect, it, vi } from "vitest";

// The byte source is replaced by a known sequence (0, 1, …, 255, 0, 1, …), so every
// assertion here is exact: no statistical bound that a fair draw could miss by chance.
vi.mock("node:crypto", async (importOriginal) => ({
  ...(await importOriginal<typeof import("node:crypto")>()),
  randomBytes: (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i % 256)),
}));
const { base62Symbol, newId, randomBase62 } = await import("./ids");

describe("ids", () => {
  it("map bytes onto the alphabet uniformly: each of the 62 symbols from exactly 4 byte values, the other 8 values drawn again", () => {
    const counts = new Map<string, number>();
    let rejected = 0;
    for (let byte = 0; byte < 256; byte++) {
      const s = base62Symbol(byte);
      if (s === null) rejected++;
      else counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(rejected).toBe(8);
    expect([...counts.keys()].sort().join("")).toBe([..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"].sort().join(""));
    expect([...counts.values()].every((n) => n === 4)).toBe(true);
  });

  it("use each random byte once, in order, skipping rejected ones", () => {
    // 256 bytes give 248 symbols: the alphabet 4 times over; bytes 248..255 are skipped.
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const first = randomBase62(248);
    expect(first).toBe(alphabet.repeat(4));
    // The 4 KiB pool continues where it left off: the next byte is 0 again.
    expect(randomBase62(3)).toBe("012");
  });

  it("are type-prefixed base62 of 20 characters", () => {
    expect(newId("req")).toMatch(/^req_[0-9A-Za-z]{20}$/);
    expect(newId("acct")).toMatch(/^acct_[0-9A-Za-z]{20}$/);
    expect(randomBase62(5000)).toHaveLength(5000);
  });
});
