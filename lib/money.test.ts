import { describe, expect, it } from "vitest";
import { ceilDiv, formatMoney, formatUsd, microToUsdNumber, microToUsdString, parseUsd, usd } from "./money";

describe("money", () => {
  it("formats dollars without ever rounding up", () => {
    expect(formatUsd(10_000_000n)).toBe("$10.00");
    expect(formatUsd(9_999_999n)).toBe("$9.99");
    expect(formatUsd(1n)).toBe("$0.00");
    expect(formatUsd(1_234_567_890_000n)).toBe("$1,234,567.89");
    expect(formatUsd(-5_000_000n)).toBe("-$5.00");
    expect(formatUsd(1_234_567n, { decimals: 6 })).toBe("$1.234567");
  });
  it("prints exact decimal strings and JSON numbers", () => {
    expect(microToUsdString(123n)).toBe("0.000123");
    expect(microToUsdString(10_000_000n)).toBe("10");
    expect(JSON.stringify(microToUsdNumber(123_456n))).toBe("0.123456");
    expect(JSON.stringify(microToUsdNumber(1n))).toBe("0.000001");
    expect(JSON.stringify(microToUsdNumber(9_007_199_254_740n))).toBe("9007199.25474");
  });
  it("parses user-entered dollars exactly", () => {
    expect(parseUsd("5")).toBe(5_000_000n);
    expect(parseUsd("$1,000.25")).toBe(1_000_250_000n);
    expect(parseUsd("4.99")).toBe(4_990_000n);
    expect(parseUsd("4.999")).toBeNull();
    expect(parseUsd("-5")).toBeNull();
    expect(parseUsd("1e3")).toBeNull();
    expect(parseUsd("")).toBeNull();
  });
  it("rounds up once with ceilDiv", () => {
    expect(ceilDiv(0n, 7n)).toBe(0n);
    expect(ceilDiv(1n, 1_000_000n)).toBe(1n);
    expect(ceilDiv(2_000_000n, 1_000_000n)).toBe(2n);
    expect(usd(10)).toBe(10_000_000n);
  });
});

describe("formatMoney: cents, and more digits only under a cent", () => {
  it("shows whole cents for a cent or more, truncated", () => {
    expect(formatMoney(200_000n)).toBe("$0.20");
    expect(formatMoney(16_000n)).toBe("$0.01");
    expect(formatMoney(1_234_560_000n)).toBe("$1,234.56");
    expect(formatMoney(0n)).toBe("$0.00");
    expect(formatMoney(-2_500_000n)).toBe("-$2.50");
  });
  it("shows the digits an amount under a cent needs", () => {
    expect(formatMoney(734n)).toBe("$0.000734");
    expect(formatMoney(5_000n)).toBe("$0.005");
    expect(formatMoney(9_999n)).toBe("$0.009999");
    expect(formatMoney(-1n)).toBe("-$0.000001");
  });
});
