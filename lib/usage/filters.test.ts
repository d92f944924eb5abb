import { describe, expect, it } from "vitest";
import { bucketKeys, filtersToSearchParams, parseUsageFilters } from "./filters";
import { decodeLogCursor, encodeLogCursor } from "./request-log";
import { csvField } from "./csv";
import { formatMoney } from "@/lib/money";
import { audioMinutes, formatUnits } from "./format";

const now = new Date("2025-05-20T15:30:00Z");

describe("usage filters from search params", () => {
  it("presets are whole UTC days ending today; 24h is hourly", () => {
    const f = parseUsageFilters({ range: "7d" }, now);
    expect([f.from.toISOString(), f.to.toISOString(), f.bucket]).toEqual(["2025-05-14T00:00:00.000Z", "2025-05-21T00:00:00.000Z", "day"]);
    expect(bucketKeys(f)).toHaveLength(7);
    const d = parseUsageFilters({ range: "24h" }, now);
    expect([d.from.toISOString(), d.to.toISOString(), d.bucket]).toEqual(["2025-05-19T15:30:00.000Z", "2025-05-20T15:30:00.000Z", "hour"]);
    expect(bucketKeys(d)[0]).toBe("2025-05-19T15:00");
    expect(parseUsageFilters({}, now).range).toBe("30d");
    expect(parseUsageFilters({ range: "1y" }, now).range).toBe("30d");
  });

  it("dates typed into From/To make a custom period without picking Custom; a preset without dates stays a preset", () => {
    const f = parseUsageFilters({ range: "30d", from: "2025-05-02", to: "2025-05-04" }, now);
    expect(f.range).toBe("custom");
    expect([f.fromDate, f.toDate]).toEqual(["2025-05-02", "2025-05-04"]);
    expect(f.to.toISOString()).toBe("2025-05-05T00:00:00.000Z");
    expect(parseUsageFilters({ from: "2025-05-02" }, now).range).toBe("custom");
    expect(parseUsageFilters({ range: "7d", from: "", to: "" }, now).range).toBe("7d");
    expect(parseUsageFilters({ range: "7d", from: "not-a-date" }, now).range).toBe("7d");
  });

  it("custom ranges: inclusive UTC dates, swapped if reversed, capped, invalid dates ignored", () => {
    const f = parseUsageFilters({ range: "custom", from: "2025-05-10", to: "2025-05-01" }, now);
    expect([f.fromDate, f.toDate, f.to.toISOString()]).toEqual(["2025-05-01", "2025-05-10", "2025-05-11T00:00:00.000Z"]);
    const long = parseUsageFilters({ range: "custom", from: "2000-01-01", to: "2025-05-20" }, now);
    expect(bucketKeys(long)).toHaveLength(366);
    expect(parseUsageFilters({ range: "custom", from: "2025-02-30" }, now).fromDate).toBe("2025-04-21");
  });

  it("keeps only well-formed key, model and modality values, and round-trips through the URL", () => {
    const f = parseUsageFilters({ range: "90d", key: "key_abc", model: "local/echo-chat", modality: "image" }, now);
    expect([f.keyId, f.model, f.modality]).toEqual(["key_abc", "local/echo-chat", "image"]);
    expect(parseUsageFilters(filtersToSearchParams(f), now)).toEqual(f);
    const bad = parseUsageFilters({ key: "x' or 1=1 --", model: ["a b"], modality: "sql" }, now);
    expect([bad.keyId, bad.model, bad.modality]).toEqual([null, null, null]);
  });

  it("cursors round-trip and junk cursors are ignored", () => {
    const c = { createdAt: "2025-05-20T15:30:00.123456Z", src: 1 as const, id: 42 };
    expect(decodeLogCursor(encodeLogCursor(c))).toEqual(c);
    expect(decodeLogCursor("not-a-cursor")).toBeNull();
    expect(decodeLogCursor(Buffer.from("2025-05-20T15:30:00Z_1_1").toString("base64url"))).toBeNull();
    expect(decodeLogCursor(Buffer.from("2025-05-20T15:30:00.123456Z_2_1").toString("base64url"))).toBeNull();
  });

  it("formats exact money and units; CSV fields are quoted and formula-safe", () => {
    expect(formatMoney(12_300_000n)).toBe("$12.30");
    expect(formatMoney(734n)).toBe("$0.000734");
    expect(audioMinutes(90_000)).toBe("1.5");
    expect(formatUnits({ modality: "stt", inputTokens: 0, outputTokens: 0, images: 0, videoSeconds: 0, characters: 0, audioMs: 7334 })).toBe("0.122 min audio");
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
  });
});
