import { describe, expect, it, vi } from "vitest";

// The docs follow the code: with other numbers in the tier table and another signup
// credit, the pages show those, and the shipped numbers appear nowhere. (Guards against
// a number typed into a page by hand.)

vi.mock("@/lib/ratelimit/tiers", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/ratelimit/tiers")>();
  const TIERS_BY_ID = {
    free: { ...real.TIERS_BY_ID.free, requestsPerMinute: 7 },
    elevated: { ...real.TIERS_BY_ID.elevated, requestsPerMinute: 77 },
    paid: { ...real.TIERS_BY_ID.paid, requestsPerMinute: 777 },
  };
  return { ...real, TIERS_BY_ID, TIER_LIST: real.TIER_ORDER.map((id) => TIERS_BY_ID[id]), tierInfo: (t: "free") => TIERS_BY_ID[t] ?? TIERS_BY_ID.free };
});
vi.mock("@/lib/accounts", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/accounts")>()),
  SIGNUP_CREDIT_MICRO_USD: 12_340_000n,
}));

describe("docs pages are generated from the modules, not typed in", () => {
  it("show the mocked tier limits and signup credit, and not the shipped ones", async () => {
    const { docMarkdown, llmsTxt } = await import("@/lib/docs");
    const ctx = { origin: "http://app.test" };
    const rate = (await docMarkdown("rate-limits", ctx))!;
    expect(rate).toContain("| Free | 7 |");
    expect(rate).toContain("| Elevated | 77 |");
    expect(rate).toContain("| Paid | 777 |");
    expect(rate).toContain("x-ratelimit-limit-requests: 7\n");
    expect(rate).not.toMatch(/\| (10|60|300) \|/);
    const credit = (await docMarkdown("free-credit", ctx))!;
    expect(credit).toContain("**$12.34** of free credit");
    expect(credit).toContain("**7** requests per minute");
    expect(credit).not.toContain("$10.00");
    const card = (await docMarkdown("adding-a-card", ctx))!;
    expect(card).toContain("**777 requests per minute**");
    expect(llmsTxt(ctx)).toContain("Free 7, Elevated 77, Paid 777");
  });
});
