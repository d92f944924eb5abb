import { describe, expect, it } from "vitest";
import { BillingError } from "./errors";
import { parseTopUpAmount, validateTopUpCents } from "./topup";

const code = (f: () => unknown) => {
  try {
    f();
    return null;
  } catch (e) {
    return e instanceof BillingError ? e.code : e;
  }
};

describe("top-up amounts", () => {
  it("accepts $5.00 to $10,000.00 in whole cents", () => {
    expect(validateTopUpCents(500)).toBe(500);
    expect(validateTopUpCents(1_000_000)).toBe(1_000_000);
    expect(code(() => validateTopUpCents(499))).toBe("amount_too_small");
    expect(code(() => validateTopUpCents(1_000_001))).toBe("amount_too_large");
    expect(code(() => validateTopUpCents(500.5))).toBe("invalid_amount");
    expect(code(() => validateTopUpCents("500"))).toBe("invalid_amount");
    expect(code(() => validateTopUpCents(Number.NaN))).toBe("invalid_amount");
  });

  it("parses what people type, exactly", () => {
    expect(parseTopUpAmount("5")).toBe(500);
    expect(parseTopUpAmount("5.00")).toBe(500);
    expect(parseTopUpAmount("$1,234.56")).toBe(123_456);
    expect(parseTopUpAmount(" 20.1 ")).toBe(2010);
    expect(code(() => parseTopUpAmount("4.99"))).toBe("amount_too_small");
    expect(code(() => parseTopUpAmount("5.001"))).toBe("invalid_amount");
    expect(code(() => parseTopUpAmount("-5"))).toBe("invalid_amount");
    expect(code(() => parseTopUpAmount("1e3"))).toBe("invalid_amount");
    expect(code(() => parseTopUpAmount(""))).toBe("invalid_amount");
  });
});
