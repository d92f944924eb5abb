import { expect, PASSWORD, test, uniqueEmail } from "./fixtures";

test("sign up, see $10.00, create a key once, revoke it, sign out and back in", async ({ page, auth, keys }) => {
  const email = uniqueEmail("journey");
  await auth.signUp(email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("balance")).toHaveText("$10.00");
  await expect(page.getByTestId("tier")).toHaveText("Free");

  await keys.open();
  await expect(page.getByTestId("no-keys")).toBeVisible();
  const secret = await keys.create("e2e key");
  expect(secret).toMatch(/^sk-mt-[0-9A-Za-z]{40}$/);
  await expect(keys.row("e2e key")).toContainText("active");
  await expect(keys.row("e2e key")).toContainText(secret.slice(0, 10));

  // Shown once: after a reload only the prefix is left anywhere on the page.
  await page.reload();
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  page.once("dialog", (d) => d.accept());
  await keys.row("e2e key").getByTestId("revoke-key").click();
  await expect(keys.row("e2e key").getByTestId("key-status")).toContainText("revoked");

  await auth.signOut();
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login/);

  await auth.signIn(email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("balance")).toHaveText("$10.00");
});

test("signup explains a duplicate email and a weak password", async ({ page, auth }) => {
  const email = uniqueEmail("dup");
  await auth.signUp(email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await auth.signOut();

  await auth.signUp(email);
  await expect(page.getByTestId("form-error")).toContainText("already exists");
  await auth.signUp(uniqueEmail("weak"), "short");
  // the browser's own minlength check stops this one before it is sent
  await expect(page).toHaveURL(/\/signup/);
  await auth.signUp(uniqueEmail("weak"), "aaaaaaaaaaaa");
  await expect(page.getByTestId("form-error")).toContainText("repetitive");
});

test("wrong password is refused, and repeated failures are throttled", async ({ page, auth }) => {
  const email = uniqueEmail("brute");
  await auth.signUp(email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await auth.signOut();
  for (let i = 0; i < 5; i++) {
    await auth.signIn(email, "not the password " + i);
    await expect(page.getByTestId("form-error")).toContainText("Wrong email or password");
  }
  await auth.signIn(email, PASSWORD);
  await expect(page.getByTestId("form-error")).toContainText("Too many failed sign-in attempts");
});

test("another account's keys are never visible", async ({ page, auth, keys }) => {
  await auth.signUpOk(uniqueEmail("a"));
  await keys.open();
  const secret = await keys.create("a-secret-key");
  const keyId = await keys.row("a-secret-key").getAttribute("data-key-id");
  await auth.signOut();

  await auth.signUpOk(uniqueEmail("b"));
  await keys.open();
  await expect(page.getByTestId("no-keys")).toBeVisible();
  const html = await page.content();
  expect(html).not.toContain(keyId!);
  expect(html).not.toContain(secret.slice(0, 10));
});
