import type { Browser, Page } from "@playwright/test";
import { AuthPage, expect, mailLink, test, uniqueEmail } from "./fixtures";

// scripts/e2e-server.ts puts admin@e2e.test in ADMIN_EMAILS.
const ADMIN_EMAIL = "admin@e2e.test";

// The admin account is shared by the tests of this file: run them one after another, so
// two of them never race to create it.
test.describe.configure({ mode: "serial" });

async function adminPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const auth = new AuthPage(page);
  // Sign-up answers the same whether or not an earlier test of this run signed the admin
  // up already; signing in works either way.
  await auth.signUp(ADMIN_EMAIL);
  await expect(page.getByTestId("signup-sent")).toBeVisible();
  // Administrator rights need a verified address (SECURITY.md): follow the newest link,
  // which an earlier test of this run may have used already, signed in (a link followed
  // without the account's session would remove the password, lib/auth/verification.ts).
  const link = await mailLink(ADMIN_EMAIL, /Verify your email/, "/verify-email");
  await auth.signIn(ADMIN_EMAIL);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto(link);
  await page.getByTestId("submit").click();
  await expect(page.getByTestId("verify-form-done").or(page.getByTestId("form-error"))).toBeVisible();
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/dashboard$/);
  return page;
}

test("a Free user requests Elevated, an admin approves, the user gets 60 requests/min", async ({ page, auth, browser }) => {
  const email = uniqueEmail("tier");
  await auth.signUpOk(email);
  const card = page.getByTestId("tier-card");
  await expect(page.getByTestId("tier")).toHaveText("Free");
  await expect(card.getByTestId("tier-limit")).toContainText("10 requests/min");
  await expect(card.getByTestId("next-tier")).toContainText("Elevated, 60 requests/min");

  await page.getByTestId("tier-reason").fill("An internal support bot for our team of twelve");
  await page.getByTestId("tier-request-submit").click();
  await expect(page.getByTestId("tier-request-pending")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("tier-request-pending")).toContainText("waiting for an administrator");
  await expect(page.getByTestId("tier-request-form")).toHaveCount(0);

  const admin = await adminPage(browser);
  await expect(admin.getByRole("link", { name: "Admin" })).toBeVisible();
  await admin.goto("/admin");
  const row = admin.getByTestId("tier-request-row").filter({ hasText: email });
  await expect(row).toContainText("An internal support bot for our team of twelve");
  await expect(row).toContainText("Free → Elevated");
  await row.getByTestId("approve-request").click();
  await expect(admin.getByTestId("tier-request-row").filter({ hasText: email })).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId("tier")).toHaveText("Elevated");
  await expect(card.getByTestId("tier-limit")).toContainText("60 requests/min");
  await expect(card.getByTestId("next-tier")).toContainText("Paid, 300 requests/min");
  await expect(page.getByTestId("tier-request-form")).toHaveCount(0);
});

test("a declined request is shown, and the user may ask again", async ({ page, auth, browser }) => {
  const email = uniqueEmail("declined");
  await auth.signUpOk(email);
  await page.getByTestId("tier-reason").fill("x");
  await page.getByTestId("tier-reason").evaluate((el) => el.removeAttribute("minlength"));
  await page.getByTestId("tier-request-submit").click();
  await expect(page.getByTestId("tier-request-error")).toContainText("at least 10 characters");
  await page.getByTestId("tier-reason").fill("Load testing our integration before launch");
  await page.getByTestId("tier-request-submit").click();
  await expect(page.getByTestId("tier-request-pending")).toBeVisible();

  const admin = await adminPage(browser);
  await admin.goto("/admin");
  await admin.getByTestId("tier-request-row").filter({ hasText: email }).getByTestId("decline-request").click();
  await expect(admin.getByTestId("tier-request-row").filter({ hasText: email })).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId("tier")).toHaveText("Free");
  await expect(page.getByTestId("tier-request-declined")).toContainText("declined");
  await expect(page.getByTestId("tier-request-form")).toBeVisible();
});

test("a non-admin gets a styled 403, not the admin page; signed out, /admin asks to sign in", async ({ page, user }) => {
  void user;
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  const res = await page.goto("/admin");
  expect(res?.status()).toBe(403);
  await expect(page.getByTestId("admin-page")).toHaveCount(0);
  await expect(page.getByTestId("approve-request")).toHaveCount(0);

  const anon = await (await page.context().browser()!.newContext()).newPage();
  await anon.goto("/admin");
  await expect(anon).toHaveURL(/\/login/);
});

test("docs: the rate-limits page, its markdown twin and /llms.txt", async ({ page, request }) => {
  await page.goto("/docs");
  await expect(page.getByTestId("quick-start")).toBeVisible();
  await page.getByTestId("docs-index").getByRole("link", { name: "Rate limits" }).click();
  await expect(page).toHaveURL(/\/docs\/rate-limits$/);
  const table = page.getByTestId("tier-table");
  await expect(table).toContainText("Elevated");
  await expect(table.locator("tr").filter({ hasText: "Paid" })).toContainText("300");
  await expect(page.getByTestId("header-table")).toContainText("x-ratelimit-reset-requests");

  const md = await request.get("/docs/rate-limits.md");
  expect(md.status()).toBe(200);
  expect(md.headers()["content-type"]).toContain("text/markdown");
  const text = await md.text();
  expect(text).toContain("# Rate limits");
  expect(text).toContain("| Free | 10 |");
  const llms = await (await request.get("/llms.txt")).text();
  expect(llms).toMatch(/\[Rate limits\]\(http:\/\/[^)]+\/docs\/rate-limits\.md\)/);
  expect((await request.get("/docs/nothing-here.md")).status()).toBe(404);
});

test("the admin page shows the margin report for a range of days, and says why a range is refused", async ({ browser }) => {
  const admin = await adminPage(browser);
  await admin.goto("/admin?from=2020-01-01&to=2020-01-07");
  await expect(admin.getByTestId("margin-table")).toBeVisible();
  await expect(admin.getByTestId("margin-row")).toHaveCount(0);
  await expect(admin.getByTestId("margin-total")).toContainText("$0.000000");
  await admin.goto("/admin?from=2020-01-07&to=2020-01-01");
  await expect(admin.getByTestId("margin-error")).toHaveText("from (2020-01-07) is after to (2020-01-01)");
  await expect(admin.getByTestId("margin-table")).toHaveCount(0);
});
