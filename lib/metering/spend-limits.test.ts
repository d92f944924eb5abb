import { describe, expect, it } from "vitest";
import { periodEnd, periodStart } from "./spend-limits";

describe("spend-limit periods (UTC)", () => {
  const now = new Date("2025-03-05T23:59:59.999Z"); // a Wednesday
  it("daily, weekly (Monday), monthly, total", () => {
    expect(periodStart("daily", now)?.toISOString()).toBe("2025-03-05T00:00:00.000Z");
    expect(periodEnd("daily", now)?.toISOString()).toBe("2025-03-06T00:00:00.000Z");
    expect(periodStart("weekly", now)?.toISOString()).toBe("2025-03-03T00:00:00.000Z");
    expect(periodEnd("weekly", now)?.toISOString()).toBe("2025-03-10T00:00:00.000Z");
    expect(periodStart("monthly", now)?.toISOString()).toBe("2025-03-01T00:00:00.000Z");
    expect(periodEnd("monthly", new Date("2025-12-31T12:00:00Z"))?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(periodStart("total", now)).toBeNull();
    expect(periodEnd("total", now)).toBeNull();
  });
  it("a Sunday belongs to the week that started the Monday before", () => {
    expect(periodStart("weekly", new Date("2025-03-09T10:00:00Z"))?.toISOString()).toBe("2025-03-03T00:00:00.000Z");
    expect(periodStart("weekly", new Date("2025-03-10T00:00:00Z"))?.toISOString()).toBe("2025-03-10T00:00:00.000Z");
  });
});
