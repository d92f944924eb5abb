import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { CreditCard, LowBalanceBanner } from "@/components/dashboard/overview-stats";
import { usdTick } from "@/components/dashboard/overview-chart";

// Issue 23 (overview): rendered to HTML as the server sends it.
const html = (el: React.ReactElement) => renderToStaticMarkup(el);

describe("overview components", () => {
  it("a new unverified account at $0 is not told its credit ran out", () => {
    expect(html(createElement(LowBalanceBanner, { availableMicroUsd: 0n, tenths: null, unverified: true }))).toBe("");
    // A verified account at $0 is.
    expect(html(createElement(LowBalanceBanner, { availableMicroUsd: 0n, tenths: null }))).toContain("Your credit has run out");
  });

  it("the credit card shows spendable and held credit, and free vs paid when given", () => {
    const base = { balanceMicroUsd: 12_500_000n, reservedMicroUsd: 2_000_000n, availableMicroUsd: 10_500_000n };
    const without = html(createElement(CreditCard, { ...base, creditKinds: null }));
    expect(without).toContain("Spendable credit");
    expect(without).toMatch(/data-testid="balance"[^>]*>\$10\.50</);
    expect(without).toMatch(/data-testid="reserved"[^>]*>\$2\.00</);
    expect(without).not.toContain("credit-free");
    const withKinds = html(createElement(CreditCard, { ...base, creditKinds: { freeMicroUsd: 3_000_000n, paidMicroUsd: 7_500_000n, nextExpiry: null } }));
    expect(withKinds).toMatch(/data-testid="credit-free"[^>]*>\$3\.00</);
    expect(withKinds).toMatch(/data-testid="credit-paid"[^>]*>\$7\.50</);
    expect(withKinds).not.toContain("credit-expiry");
    const expiring = { at: new Date("2027-12-07T10:00:00Z"), amountMicroUsd: 3_000_000n };
    const withExpiry = html(createElement(CreditCard, { ...base, creditKinds: { freeMicroUsd: 3_000_000n, paidMicroUsd: 7_500_000n, nextExpiry: expiring } }));
    expect(withExpiry).toMatch(/data-testid="credit-expiry"[^>]*>\$3\.00 on /);
  });

  it("the chart's y-axis ticks are dollars", () => {
    expect([0, 0.05, 1, 2.5].map(usdTick)).toEqual(["$0", "$0.05", "$1", "$2.5"]);
  });
});
