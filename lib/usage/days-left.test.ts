import { describe, expect, it } from "vitest";
import { averageDailyMicroUsd, daysLeftTenths } from "./days-left";

const now = new Date("2026-12-07T12:00:00Z");
const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

describe("days left on the overview", () => {
  it("gives no estimate for an account a few hours old (issue 23: '≈ 668.4 days left' after a few hours)", () => {
    expect(daysLeftTenths({ availableMicroUsd: 9_990_000n, windowSpendMicroUsd: 10_000n, historySince: ago(5), now })).toBeNull();
    expect(daysLeftTenths({ availableMicroUsd: 9_990_000n, windowSpendMicroUsd: 10_000n, historySince: ago(71), now })).toBeNull();
    expect(averageDailyMicroUsd({ windowSpendMicroUsd: 10_000n, historySince: ago(5), now })).toBeNull();
  });

  it("averages over the days there are (3 to 6) and over 7 days after that", () => {
    // 3 days old, $3 spent: $1/day, $10 left → 10.0 days.
    expect(daysLeftTenths({ availableMicroUsd: 10_000_000n, windowSpendMicroUsd: 3_000_000n, historySince: ago(72), now })).toBe(100n);
    expect(averageDailyMicroUsd({ windowSpendMicroUsd: 3_000_000n, historySince: ago(72), now })).toBe(1_000_000n);
    // 30 days old, $7 in the last week: $1/day, $2.50 left → 2.5 days.
    expect(daysLeftTenths({ availableMicroUsd: 2_500_000n, windowSpendMicroUsd: 7_000_000n, historySince: ago(720), now })).toBe(25n);
  });

  it("none without spend; zero when nothing is spendable", () => {
    expect(daysLeftTenths({ availableMicroUsd: 5_000_000n, windowSpendMicroUsd: 0n, historySince: ago(720), now })).toBeNull();
    expect(daysLeftTenths({ availableMicroUsd: -1n, windowSpendMicroUsd: 7_000_000n, historySince: ago(720), now })).toBe(0n);
  });
});
