import { AuthPage, expect, mailLink, PASSWORD, test, uniqueEmail } from "./fixtures";

// Account settings (issue 14 item 4) with the links read from the mail sink.

test("change password ends other sessions; change email by link; reset a forgotten password", async ({ page, auth, browser, user }) => {
  // A second browser signed in as the same user before the change.
  const other = await (await browser.newContext()).newPage();
  await new AuthPage(other).signIn(user.email);
  await expect(other).toHaveURL(/\/dashboard$/);

  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/dashboard\/settings$/);
  await expect(page.getByTestId("settings-email")).toHaveText(user.email);

  await page.getByTestId("change-password-currentPassword").fill("not my password");
  await page.getByTestId("change-password-newPassword").fill("a whole new passphrase");
  await page.getByTestId("change-password-submit").click();
  await expect(page.getByTestId("change-password-error")).toContainText("current password is not right");

  await page.getByTestId("change-password-currentPassword").fill(PASSWORD);
  await page.getByTestId("change-password-newPassword").fill("a whole new passphrase");
  await page.getByTestId("change-password-submit").click();
  await expect(page.getByTestId("password-changed")).toBeVisible();
  // This browser stays signed in; the other one is signed out.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/dashboard$/);
  await other.goto("/dashboard");
  await expect(other).toHaveURL(/\/login/);

  // Change of email: nothing changes until the new address confirms.
  const newEmail = uniqueEmail("moved");
  await page.goto("/dashboard/settings");
  await page.getByTestId("change-email-newEmail").fill(newEmail);
  await page.getByTestId("change-email-currentPassword").fill("a whole new passphrase");
  await page.getByTestId("change-email-submit").click();
  await expect(page.getByTestId("change-email-ok")).toContainText(`We sent a confirmation link to ${newEmail}`);
  await expect(page.getByTestId("settings-email")).toHaveText(user.email);
  await page.goto(await mailLink(newEmail, /Confirm your new email/, "/confirm-email"));
  await page.getByTestId("submit").click();
  await expect(page.getByTestId("confirm-email-form-done")).toContainText(`Your email address is now ${newEmail}`);
  await page.goto("/dashboard/settings");
  await expect(page.getByTestId("settings-email")).toHaveText(newEmail);

  // Forgotten password: reset by link, signed in afterwards.
  await auth.signOut();
  await page.getByTestId("forgot-password").click();
  // The sign-in form has an "email" field too: wait for the client navigation to land.
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByTestId("email").fill(newEmail);
  await page.getByTestId("submit").click();
  await expect(page.getByTestId("forgot-form-done")).toContainText("If an account uses that address");
  await page.goto(await mailLink(newEmail, /Reset your Metered password/, "/reset-password"));
  await page.getByTestId("password").fill("the third passphrase");
  await page.getByTestId("submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await auth.signOut();
  await auth.signIn(newEmail, "a whole new passphrase");
  await expect(page.getByTestId("form-error")).toContainText("Wrong email or password");
});

test("sign out everywhere, then delete the account after reading what happens", async ({ page, auth, user, keys }) => {
  await keys.open();
  await keys.create("doomed");
  await page.goto("/dashboard/settings");
  await page.getByTestId("sign-out-everywhere").click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/dashboard/settings");
  await expect(page).toHaveURL(/\/login/);

  await auth.signIn(user.email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/dashboard/settings");
  const consequences = page.getByTestId("delete-consequences");
  await expect(consequences).toContainText("is forfeited");
  await expect(consequences).toContainText("every key is revoked at once");
  await expect(page.getByTestId("delete-balance")).toHaveText("$10.00");

  await page.getByTestId("delete-password").fill(PASSWORD);
  await page.getByTestId("delete-confirm").fill("delete");
  await page.getByTestId("delete-submit").click();
  await expect(page.getByTestId("delete-error")).toContainText("Type DELETE");
  await page.getByTestId("delete-confirm").fill("DELETE");
  await page.getByTestId("delete-submit").click();
  await expect(page).toHaveURL(/\/\?deleted=1$/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login/);
  await auth.signIn(user.email);
  await expect(page.getByTestId("form-error")).toContainText("Wrong email or password");
});
