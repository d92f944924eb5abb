import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import PricingPage from "@/app/pricing/page";
import { getCatalog } from "@/lib/catalog";
import { priceLines } from "@/lib/catalog/public";
import { microToUsdString } from "@/lib/money";

describe("public pricing page", () => {
  it("shows every catalog model with the exact prices the biller uses", () => {
    const html = renderToStaticMarkup(PricingPage());
    for (const m of getCatalog().models) {
      expect(html).toContain(`data-testid="price-${m.id}"`);
      for (const p of priceLines(m)) expect(html).toContain(`$${microToUsdString(p.microUsd)}`);
    }
    expect(html).toContain("simulator");
    expect(html).toContain('data-testid="signup-credit">$10.00<');
  });
});
