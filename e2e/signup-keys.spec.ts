import { expect, latestMail, PASSWORD, test, uniqueEmail } from "./fixtures";

test("sign up, look around at $0, verify by email for $10.00, create a key once, revoke it, sign out and back in", async ({ page, auth, keys }) => {
  const email = uniqueEmail("journey");
  await auth.signUp(email);
  await expect(page.getByTestId("signup-sent")).toContainText(`we sent a message to ${email}`);
  // The account is made after the answer (so the answer's timing tells nothing): its mail says it exists.
  await latestMail(email, /Verify your email/);
  // Before verifying: signed in at $0, told why, offered the link again.
  await auth.signIn(email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("balance")).toHaveText("$0.00");
  await expect(page.getByTestId("free-credit-note")).toContainText("verify your email address");
  // Credit never granted has not "run out" (issue 23).
  await expect(page.getByTestId("low-balance-banner")).toHaveCount(0);
  await expect(page.getByText("Your credit has run out")).toHaveCount(0);
  await page.getByTestId("resend-verification").click();
  // The sign-up link was sent less than a minute ago: the resend is limited.
  await expect(page.getByTestId("resend-result")).toContainText("less than a minute ago");
  await auth.verify(email);
  await page.goto("/dashboard");
  await expect(page.getByTestId("balance")).toHaveText("$10.00");
  await expect(page.getByTestId("free-credit-note")).toHaveCount(0);
  await expect(page.getByTestId("tier")).toHaveText("Free");

  await keys.open();
  await expect(page.getByTestId("no-keys")).toBeVisible();
  const secret = await keys.create("e2e key");
  expect(secret).toMatch(/^sk-mt-[0-9A-Za-z]{40}$/);
  // The secret is shown in a monospace font (l, I and 1 told apart).
  expect(await page.getByTestId("new-key-secret").evaluate((e) => getComputedStyle(e).fontFamily)).toMatch(/mono/i);
  await expect(keys.row("e2e key")).toContainText("active");
  await expect(keys.row("e2e key")).toContainText(secret.slice(0, 10));

  // Shown once: after a reload only the prefix is left anywhere on the page.
  await page.reload();
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  await keys.row("e2e key").getByTestId("revoke-key").click();
  // A Radix alert dialog, not the browser's confirm(): Cancel first, then Revoke.
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Requests using this key will be refused with 401");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(keys.row("e2e key").getByTestId("key-status")).toHaveText("active");
  await keys.row("e2e key").getByTestId("revoke-key").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(keys.row("e2e key").getByTestId("key-status")).toContainText("revoked");

  await auth.signOut();
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login/);

  await auth.signIn(email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("balance")).toHaveText("$10.00");
});

test("signing up with a registered address answers like a new sign-up and emails the owner; weak passwords are explained", async ({ page, auth }) => {
  const email = uniqueEmail("dup");
  await auth.signUp(email);
  const first = await page.getByTestId("signup-sent").innerText();

  await auth.signUp(email, "a different passphrase 2");
  await expect(page.getByTestId("signup-sent")).toBeVisible();
  expect(await page.getByTestId("signup-sent").innerText()).toBe(first);
  await latestMail(email, /Someone tried to sign up with your address/);
  await auth.signUp(uniqueEmail("weak"), "short");
  // the browser's own minlength check stops this one before it is sent
  await expect(page).toHaveURL(/\/signup/);
  await auth.signUp(uniqueEmail("weak"), "aaaaaaaaaaaa");
  await expect(page.getByTestId("form-error")).toContainText("repetitive");
});

test("verified by link in a browser not signed in: the sign-up password stops working, the page leads to choosing one", async ({ page, auth }) => {
  const email = uniqueEmail("anon-verify");
  await auth.signUp(email);
  await expect(page.getByTestId("signup-sent")).toBeVisible();
  await auth.verify(email);
  await expect(page.getByTestId("verify-form-done")).toContainText("the password it was created with no longer works");
  await page.getByTestId("verify-form-next").click();
  await expect(page).toHaveURL(/\/reset-password\?token=/);
  await page.getByTestId("password").fill("a password chosen after verifying 7");
  await page.getByTestId("submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("balance")).toHaveText("$10.00");
  await auth.signOut();
  await auth.signIn(email, PASSWORD);
  await expect(page.getByTestId("form-error")).toContainText("Wrong email or password");
});

test("wrong passwords are refused and slow the next attempt down, pointing to password reset", async ({ page, auth }) => {
  const email = uniqueEmail("brute");
  await auth.signUpOk(email);
  await auth.signOut();
  for (let i = 0; i < 4; i++) {
    await auth.signIn(email, "not the password " + i);
    await expect(page.getByTestId("form-error")).toContainText("Wrong email or password");
  }
  // The 4th failure asks for a 1-second pause: an attempt straight away is told to wait.
  await auth.signIn(email, PASSWORD);
  const error = page.getByTestId("form-error");
  const waited = (await error.isVisible()) ? await error.innerText() : "";
  if (waited) expect(waited).toMatch(/Too many failed sign-in attempts\. Wait \d+ seconds? .*reset your password/);
  // After the delay the correct password works: no lock-out.
  await expect(async () => {
    await auth.signIn(email, PASSWORD);
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
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
