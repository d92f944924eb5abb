import { expect, test } from "./fixtures";
import { DESKTOP, expectAxeClean, expectNoHorizontalOverflow, PHONE } from "./site";

// Issue 24 item 4, the dashboard side: an owner creates a management key (its secret shown
// once), it calls the management API, and revoking it stops it at once. The page and the
// generated docs page pass axe and fit 390 px.

const PAGE = "/dashboard/organization/management-keys";

test("an owner creates a management key, uses it, and revokes it", async ({ page, user, baseURL }) => {
  test.setTimeout(180_000);
  expect(user.email).toBeTruthy();
  await page.goto(PAGE);
  await expect(page.getByRole("heading", { level: 1, name: "Management keys" })).toBeVisible();
  await expect(page.getByTestId("no-mkeys")).toBeVisible();
  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport);
    await expectNoHorizontalOverflow(page, `${PAGE} (${viewport.width} px)`);
    await expectAxeClean(page, `${PAGE} (${viewport.width} px)`);
  }
  await page.setViewportSize(DESKTOP);

  await page.getByTestId("mkey-name").fill("provisioning");
  await page.getByTestId("create-mkey").click();
  const secret = await page.getByTestId("new-mkey-secret").inputValue();
  expect(secret).toMatch(/^sk-mt-admin-[A-Za-z0-9]{40}$/);
  const call = () => fetch(`${baseURL}/api/v1/credits`, { headers: { authorization: `Bearer ${secret}` } });
  const ok = await call();
  expect(ok.status).toBe(200);
  expect((await ok.json()).data.total_credits).toBe(10);

  // Shown once: after a reload only its start is on the page.
  await page.reload();
  await expect(page.getByTestId("mkey-row")).toHaveCount(1);
  expect(await page.content()).not.toContain(secret);
  await expectAxeClean(page, `${PAGE} with a key`);
  await page.setViewportSize(PHONE);
  await expectNoHorizontalOverflow(page, `${PAGE} with a key (390 px)`);
  await page.setViewportSize(DESKTOP);

  await page.getByTestId("revoke-key").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByTestId("mkey-status")).toContainText("revoked");
  expect((await call()).status).toBe(401);
});

test("the management API docs page passes axe and fits 390 px", async ({ page }) => {
  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport);
    await page.goto("/docs/management-api");
    await expect(page.getByRole("heading", { level: 1, name: "Management API" })).toBeVisible();
    await expectNoHorizontalOverflow(page, `/docs/management-api (${viewport.width} px)`);
    await expectAxeClean(page, `/docs/management-api (${viewport.width} px)`);
  }
  // In the sidebar (a menu below 768 px, so checked at desktop width).
  await page.setViewportSize(DESKTOP);
  await expect(page.getByRole("navigation", { name: "Docs" }).getByRole("link", { name: "Management API" })).toHaveCount(1);
});
