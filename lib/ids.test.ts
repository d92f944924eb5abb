import { describe, expect, it } from "vitest";
import { newId, randomBase62 } from "./ids";

describe("ids", () => {
  it("are prefixed base62 of the asked length, never repeat, and use the whole alphabet evenly", () => {
    const ids = Array.from({ length: 20_000 }, () => newId("req"));
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^req_[0-9A-Za-z]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // 400,000 characters (the byte pool refilled ~100 times): each of the 62 symbols within 5% of its share.
    const counts = new Map<string, number>();
    for (const id of ids) for (const ch of id.slice(4)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (20_000 * 20) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.05);
    expect(randomBase62(1)).toMatch(/^[0-9A-Za-z]$/);
    expect(randomBase62(5000)).toHaveLength(5000);
  });
});
