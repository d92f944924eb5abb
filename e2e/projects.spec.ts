import { expect, test } from "./fixtures";
import { collectPageErrors, DESKTOP, expectAxeClean, expectNoHorizontalOverflow, PHONE } from "./site";

// Issue 24 item 3, the dashboard half: an owner makes a project, gives it a budget exact to
// the micro-dollar and a model allowlist, and archives it. The page is axe clean and fits
// 390 px, with its settings dialog open too. (Enforcement on /v1: tests/integration/projects.test.ts.)

test("projects: create, budget, allowlist, archive; axe clean in both themes at 1280 and 390 px", async ({ page, user }) => {
  test.setTimeout(240_000);
  expect(user.email).toBeTruthy();
  const errors = collectPageErrors(page);
  await page.goto("/dashboard/projects");
  await expect(page.getByRole("heading", { level: 1, name: "Projects" })).toBeVisible();
  await expect(page.getByTestId("project-row")).toHaveCount(1); // Default

  await page.getByTestId("project-name").fill("Mobile app");
  await page.getByTestId("create-project").click();
  await expect(page.getByTestId("create-project-status")).toContainText("created");
  const row = page.getByTestId("project-row").filter({ hasText: "Mobile app" });
  await expect(row).toBeVisible();

  await row.getByTestId("project-edit").click();
  const dialog = page.getByTestId("project-settings");
  await dialog.getByTestId("project-budget-input").fill("0.000001");
  await dialog.getByTestId("project-budget-submit").click();
  await expect(dialog.getByTestId("project-budget-status")).toHaveText("Budget set: $0.000001 per month.");
  await dialog.getByTestId("project-models-only").check();
  await dialog.locator('input[name="model"][value="local/echo-chat"]').check();
  await dialog.getByTestId("project-models-submit").click();
  await expect(dialog.getByTestId("project-models-status")).toHaveText("Allowed: 1 model.");
  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport);
    await expectAxeClean(page, `/dashboard/projects dialog (${viewport.width} px)`);
  }
  await page.keyboard.press("Escape");

  for (const theme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: theme });
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      await page.reload();
      await expectNoHorizontalOverflow(page, `/dashboard/projects (${theme}, ${viewport.width} px)`);
      await expectAxeClean(page, `/dashboard/projects (${theme}, ${viewport.width} px)`);
    }
  }
  await page.setViewportSize(DESKTOP);
  await expect(row.getByTestId("project-models")).toHaveText("local/echo-chat");
  await expect(row.getByTestId("project-spend")).toContainText("$0.000001");

  await page.goto("/dashboard/projects");
  await row.getByTestId("project-archive").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Archive project" }).click();
  await expect(page.getByTestId("project-row").filter({ hasText: "Mobile app" })).toHaveCount(0);
  expect(errors).toEqual([]);
});
