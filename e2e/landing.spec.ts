import { SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import { formatUsd } from "@/lib/money";
import { TIER_LIST } from "@/lib/ratelimit/tiers";
import { expect, test } from "./fixtures";

// Issue 14 point 2: the landing page says what the product is, with the free credit, the
// catalog's models and prices, the rate-limit tiers and a runnable sample; signed out it
// offers sign-up, docs and pricing; signed in, the dashboard. Landing, pricing and docs
// share the header and footer.

test("signed out: what it is, free credit, models with prices, tiers, a sample, and the ways in", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("landing-credit")).toHaveText(formatUsd(SIGNUP_CREDIT_MICRO_USD));
  await expect(page.getByTestId("landing-model-local/echo-chat")).toContainText("$0.1");
  await expect(page.getByTestId("landing-model-local/image-sim")).toContainText("per image");
  for (const t of TIER_LIST) await expect(page.getByTestId("landing-tiers")).toContainText(`${t.name}${t.requestsPerMinute}`);
  await expect(page.getByTestId("sample-chat-curl")).toContainText("/v1/chat/completions");
  await expect(page.getByTestId("landing-signup")).toHaveAttribute("href", "/signup");
  await expect(page.getByTestId("header-sign-up")).toBeVisible();
  await expect(page.getByTestId("landing-dashboard")).toHaveCount(0);
  await page.getByTestId("site-header").getByRole("link", { name: "Pricing" }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  for (const p of ["/", "/pricing", "/docs"]) {
    await page.goto(p);
    await expect(page.getByTestId("site-header")).toBeVisible();
    await expect(page.getByTestId("site-footer")).toBeVisible();
  }
  const icon = await page.request.get("/icon.svg");
  expect(icon.status()).toBe(200);
  expect(await page.locator('link[rel="icon"]').count()).toBeGreaterThan(0);
});

test("signed in: the landing page and header offer the dashboard, not sign-up", async ({ page, user }) => {
  expect(user.email).toBeTruthy();
  await page.goto("/");
  await expect(page.getByTestId("landing-dashboard")).toHaveAttribute("href", "/dashboard");
  await expect(page.getByTestId("landing-signup")).toHaveCount(0);
  await expect(page.getByTestId("header-dashboard")).toBeVisible();
  await expect(page.getByTestId("header-sign-up")).toHaveCount(0);
});
