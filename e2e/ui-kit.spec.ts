import type { Locator, Page } from "@playwright/test";
import { expect, PASSWORD, test, uniqueEmail } from "./fixtures";
import { collectPageErrors, dashboardPages, DESKTOP, expectAxeClean, expectNoHorizontalOverflow, PHONE, publicPages } from "./site";

// Issue 23 items 1, 2, 3 and 7: every page, logged out and in, in the light and the dark
// theme, at 1280 and 390 px: no horizontal overflow, axe clean (any impact), no hydration or
// other page errors; a full-page screenshot of each is kept under test-results (CI artifacts).

const THEMES = ["light", "dark"] as const;

/** Shown and not cut at the sides: its whole box lies within the viewport's width. */
async function expectWithinWidth(locator: Locator) {
  await expect(locator).toBeVisible();
  const { left, right, vw } = await locator.evaluate((el) => ({ ...el.getBoundingClientRect().toJSON(), vw: window.innerWidth }));
  expect(left).toBeGreaterThanOrEqual(0);
  expect(right).toBeLessThanOrEqual(vw);
}

async function walk(page: Page, paths: string[], tag: string) {
  const errors = collectPageErrors(page);
  for (const theme of THEMES) {
    // The system preference: next-themes follows it (no stored choice in a fresh context).
    await page.emulateMedia({ colorScheme: theme });
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      for (const p of paths) {
        await page.goto(p);
        await page.waitForLoadState("load");
        await expect(page.locator("html")).toHaveClass(theme === "dark" ? /\bdark\b/ : /^(?![\s\S]*\bdark\b)/);
        const name = `${tag}${p.replace(/[^a-z0-9]+/gi, "_")}-${theme}-${viewport.width}.png`;
        await page.screenshot({ path: test.info().outputPath(name), fullPage: true });
        await expectNoHorizontalOverflow(page, `${p} (${theme}, ${viewport.width} px)`, { soft: true });
        await expectAxeClean(page, `${p} (${theme}, ${viewport.width} px)`, { soft: true });
      }
    }
  }
  expect(errors, "page errors (hydration mismatches among them)").toEqual([]);
}

test("public pages: both themes at 1280 and 390 px, no overflow, axe clean, no hydration error", async ({ page }) => {
  test.setTimeout(600_000);
  const paths = [...(await publicPages(page)), "/verify-email?token=bad", "/no-such-page"];
  await walk(page, paths, "public");
});

test("dashboard pages, signed in: both themes at 1280 and 390 px, no overflow, axe clean, no hydration error", async ({ page, user, keys, baseURL }) => {
  test.setTimeout(600_000);
  expect(user.email).toBeTruthy();
  await keys.open();
  const secret = await keys.create("ui kit");
  const res = await fetch(`${baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "hello ui" }], max_tokens: 16 }),
  });
  expect(res.status).toBe(200);
  const requestId = res.headers.get("x-request-id")!;
  const paths = await dashboardPages(page, [
    `/dashboard/usage/requests/${requestId}`,
    "/dashboard/usage?status=failed",
    "/dashboard/billing?tab=activity",
    "/dashboard/billing?tab=alerts",
    "/dashboard/billing?tab=details",
  ]);
  await walk(page, paths, "dashboard");
});

test("themes: the system preference is followed and the header's menu overrides it", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/pricing");
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
  const light = await bg();
  await page.getByTestId("theme-toggle").click();
  await page.getByTestId("theme-dark").click();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  expect(await bg()).not.toBe(light);
  // Kept across pages and reloads; "System" goes back to the preference.
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await page.getByTestId("theme-toggle").click();
  await page.getByTestId("theme-system").click();
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
  expect(await bg()).toBe(light);
});

test("docs at 1280 px: the text takes the width beside a narrow sidebar; tables and code are not clipped", async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await page.goto("/docs/api-reference");
  const nav = (await page.getByTestId("docs-nav").boundingBox())!;
  const main = (await page.getByTestId("docs-main").boundingBox())!;
  expect(nav.width).toBeLessThanOrEqual(240);
  expect(main.width).toBeGreaterThanOrEqual(800);
  expect(main.x).toBeGreaterThan(nav.x + nav.width);
  // Nothing inside the text column is wider than it (tables scroll only when they must).
  const overflowing = await page.getByTestId("docs-main").evaluate((m) => {
    const right = m.getBoundingClientRect().right + 1;
    return Array.from(m.querySelectorAll("table, pre")).filter((el) => el.getBoundingClientRect().right > right).length;
  });
  expect(overflowing).toBe(0);
});

test("phones: key columns of the tables are visible or the table says it scrolls; Copy never covers code", async ({ page, user, keys, baseURL }) => {
  expect(user.email).toBeTruthy();
  await page.setViewportSize(PHONE);
  await keys.open();
  const secret = await keys.create("phone key");
  await fetch(`${baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 8 }),
  });
  await page.reload();
  const row = keys.row("phone key");
  for (const id of ["key-edit", "revoke-key", "key-status"]) await expectWithinWidth(row.getByTestId(id));

  await page.goto("/dashboard/usage");
  const log = page.getByTestId("log-row").first();
  await expectWithinWidth(log.getByTestId("log-cost"));
  await expectWithinWidth(log.getByTestId("log-status"));

  await page.goto("/dashboard/billing?tab=activity");
  const history = page.getByTestId("history-row").first();
  const visible = await history.getByTestId("history-amount").evaluate((el) => el.getBoundingClientRect().right <= window.innerWidth);
  if (!visible)
    await expect(page.getByTestId("history-table").locator("xpath=ancestor::*[@data-slot='scroll-table']").getByTestId("scroll-hint")).toBeVisible();

  await page.goto("/docs");
  const pre = page.getByTestId("sample-chat-curl");
  const button = pre.locator("xpath=..").getByTestId("copy-button");
  const p = (await pre.boundingBox())!;
  const b = (await button.boundingBox())!;
  expect(b.y + b.height <= p.y || b.y >= p.y + p.height, "the Copy button is outside the code").toBe(true);
});

test("Copy says Copied only when the clipboard took the text", async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true });
  });
  await page.goto("/docs");
  const button = page.getByTestId("sample-chat-curl").locator("xpath=..").getByTestId("copy-button");
  await button.click();
  await expect(button).toContainText("select the text and copy it");
  await expect(button).not.toHaveText("Copied");
});

test("auth pages: logo and a way home; link errors and /forgot-password lead back to sign in", async ({ page }) => {
  await page.goto("/forgot-password");
  await expect(page.getByTestId("auth-header").getByRole("link", { name: "Metered home" })).toHaveAttribute("href", "/");
  await page.getByTestId("back-to-sign-in").click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("auth-home")).toHaveAttribute("href", "/");

  await page.goto("/verify-email?token=not-a-token");
  await page.getByTestId("submit").click();
  await expect(page.getByTestId("form-error")).toBeVisible();
  await page.getByTestId("sign-in-link").click();
  await expect(page).toHaveURL(/\/login$/);
});

test("a new unverified account is told to verify for $10.00, not that its credit ran out", async ({ page, auth }) => {
  const email = uniqueEmail("unverified");
  await auth.signUp(email);
  await expect(page.getByTestId("signup-sent")).toBeVisible();
  await auth.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("free-credit-note")).toContainText("$10.00");
  await expect(page.getByText("Your credit has run out")).toHaveCount(0);
});
