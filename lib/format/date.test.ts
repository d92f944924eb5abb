import { describe, expect, it } from "vitest";
import { formatDateTime, formatUtcDay } from "./date";

describe("dashboard date format", () => {
  it("is UTC to the minute whatever the process time zone", () => {
    expect(formatDateTime(new Date("2026-12-07T22:55:41.123Z"))).toBe("2026-12-07 22:55 UTC");
    expect(formatUtcDay("2026-12-07")).toBe("2026-12-07 (whole day, UTC)");
    expect(formatUtcDay(new Date("2026-12-07T23:59:00Z"))).toBe("2026-12-07 (whole day, UTC)");
  });
});
