import type { Browser, Page } from "@playwright/test";
import { DESKTOP, expectAxeClean, expectNoHorizontalOverflow, PHONE } from "./site";
import { AuthPage, BillingPage, expect, KeysPage, latestMail, test, uniqueEmail } from "./fixtures";

// Issue 24, end to end: an owner creates an organization and invites by email; a billing
// member tops it up; a member accepts through the mailed link, creates a key and spends the
// ORGANIZATION's credit; the owner removes the member and the member's key gets 401.

async function newUser(browser: Browser, tag: string): Promise<{ page: Page; email: string }> {
  const page = await (await browser.newContext()).newPage();
  const email = uniqueEmail(tag);
  await new AuthPage(page).signUpOk(email);
  return { page, email };
}

/** The invitation link in the newest invitation mailed to `to`. */
async function inviteLink(to: string): Promise<string> {
  const mail = await latestMail(to, /invited to join/);
  const link = mail.links.find((l) => new URL(l).pathname.startsWith("/invite/"));
  if (!link) throw new Error(`no /invite/ link in "${mail.subject}":\n${mail.text}`);
  return link;
}

async function invite(page: Page, email: string, role: "admin" | "billing" | "member") {
  await page.goto("/dashboard/organization");
  await page.getByTestId("invite-email").fill(email);
  await page.getByTestId("invite-role").selectOption(role);
  await page.getByTestId("invite-submit").click();
  await expect(page.getByTestId("invite-ok")).toContainText(`Invitation sent to ${email}`);
}

async function accept(page: Page, email: string) {
  await page.goto(await inviteLink(email));
  await expect(page.getByTestId("invite-org")).toHaveText("E2E Team");
  await page.getByTestId("submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("current-org")).toHaveText("E2E Team");
}

async function chat(baseURL: string, secret: string) {
  const res = await fetch(`${baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "hello team" }], max_tokens: 16 }),
  });
  return { status: res.status, body: await res.json() };
}

async function credits(baseURL: string, secret: string): Promise<number> {
  const res = await fetch(`${baseURL}/v1/credits`, { headers: { authorization: `Bearer ${secret}` } });
  expect(res.status).toBe(200);
  return (await res.json()).balance_micro_usd;
}

test("owner invites, billing tops up, member's key spends the organization's credit, removal stops the key", async ({ page, user, browser, baseURL }) => {
  test.setTimeout(600_000);
  // The owner creates the organization from the header's menu: it starts at $0.00.
  await page.goto("/dashboard");
  await page.getByTestId("org-switcher").click();
  await page.getByTestId("create-org-menu").click();
  await page.getByTestId("create-org-name").fill("E2E Team");
  await page.getByTestId("create-org-submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("current-org")).toHaveText("E2E Team");
  await expect(page.getByTestId("current-role")).toHaveText("Owner");
  await expect(page.getByTestId("balance")).toHaveText("$0.00");

  const biller = await newUser(browser, "biller");
  const member = await newUser(browser, "member");
  await invite(page, biller.email, "billing");
  await invite(page, member.email, "member");
  await expect(page.getByTestId("invite-row")).toHaveCount(2);

  // The organization page and the invitation page: axe clean, no overflow at 390 px.
  for (const [p, path] of [
    [page, "/dashboard/organization"],
    [member.page, new URL(await inviteLink(member.email)).pathname],
  ] as const) {
    await p.setViewportSize(PHONE);
    await p.goto(path);
    await expectNoHorizontalOverflow(p, path);
    await expectAxeClean(p, path);
    await p.setViewportSize(DESKTOP); // back to the full header (the phone folds it behind "Menu")
  }

  // A signed-in stranger is told the invitation is someone else's.
  await biller.page.goto(await inviteLink(member.email));
  await expect(biller.page.getByTestId("invite-wrong-account")).toContainText(member.email);

  // The billing member accepts and tops up the organization.
  await accept(biller.page, biller.email);
  await expect(biller.page.getByTestId("current-role")).toHaveText("Billing");
  const billing = new BillingPage(biller.page);
  await billing.open();
  await expect(billing.balance()).toHaveText("$0.00");
  await billing.addCard("4242424242424242", "4242");
  await billing.topUp("5.00");
  await expect(billing.balance()).toHaveText("$5.00");

  // The member accepts (the link then works no more), creates a key, and spends the organization's credit.
  const link = await inviteLink(member.email);
  await accept(member.page, member.email);
  await member.page.goto(link);
  await expect(member.page.getByTestId("invite-invalid")).toBeVisible();
  const keys = new KeysPage(member.page);
  await keys.open();
  const secret = await keys.create("member key");
  expect(await credits(baseURL!, secret)).toBe(5_000_000);
  const spent = await chat(baseURL!, secret);
  expect(spent.status).toBe(200);
  const cost = spent.body.usage.cost_micro_usd as number;
  expect(cost).toBeGreaterThan(0);
  expect(await credits(baseURL!, secret)).toBe(5_000_000 - cost);
  // The member's own $10.00 is untouched.
  await member.page.getByTestId("org-switcher").click();
  await member.page.getByTestId("org-option").first().click();
  await expect(member.page.getByTestId("current-org")).not.toHaveText("E2E Team");
  await expect(member.page.getByTestId("balance")).toHaveText("$10.00");

  // The owner sees the members, removes the member: their key stops at once.
  await page.goto("/dashboard/organization");
  const row = page.getByTestId("member-row").filter({ hasText: member.email });
  await expect(row.getByTestId("member-role")).toHaveText("Member");
  await row.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByTestId("member-row").filter({ hasText: member.email })).toHaveCount(0);
  const refused = await chat(baseURL!, secret);
  expect(refused.status).toBe(401);
  expect(refused.body.error.code).toBe("invalid_api_key");
  // The owner's view of the organization's balance: $5.00 less what the member spent.
  await page.goto("/dashboard");
  await expect(page.getByTestId("balance")).toHaveAttribute("data-micro-usd", String(5_000_000 - cost));
  expect(user.email).toBeTruthy();
});
