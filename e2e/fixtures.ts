import { test as base, expect, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";

export const PASSWORD = "correct horse battery staple";

/** The e2e server's mail sink (scripts/e2e-server.ts: E2E_PORT + 21000). */
export const MAIL_SINK_URL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3107) + 21_000}`;

/** The newest email to `to` whose subject matches, waiting for it to arrive. */
export async function latestMail(to: string, subject: RegExp): Promise<{ subject: string; text: string; links: string[] }> {
  // Up to 30 s: on a loaded machine the send (after scrypt and a transaction) can take a while.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const res = await fetch(`${MAIL_SINK_URL}/api/messages?to=${encodeURIComponent(to)}`);
    const { messages } = (await res.json()) as { messages: { subject: string; text: string; links: string[] }[] };
    const found = messages.find((m) => subject.test(m.subject));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email to ${to} matching ${subject} arrived at the mail sink (${MAIL_SINK_URL})`);
}

/** The first link in the newest matching email that starts with the app's `path`. */
export async function mailLink(to: string, subject: RegExp, path: string): Promise<string> {
  const mail = await latestMail(to, subject);
  const link = mail.links.find((l) => new URL(l).pathname === path);
  if (!link) throw new Error(`the email "${mail.subject}" to ${to} has no ${path} link:\n${mail.text}`);
  return link;
}

export function uniqueEmail(tag = "user") {
  return `${tag}-${randomUUID().slice(0, 8)}@e2e.test`;
}

export class AuthPage {
  constructor(readonly page: Page) {}
  async signUp(email: string, password = PASSWORD) {
    await this.page.goto("/signup");
    await this.page.getByTestId("email").fill(email);
    await this.page.getByTestId("password").fill(password);
    await this.page.getByTestId("submit").click();
  }
  /**
   * Signs up, signs in, follows the emailed verification link in that signed-in browser (so
   * the account has its $10.00 and keeps its password: a link followed without the
   * account's session removes it, lib/auth/verification.ts), and waits until the dashboard
   * is shown.
   */
  async signUpOk(email: string, password = PASSWORD) {
    await this.signUp(email, password);
    await expect(this.page.getByTestId("signup-sent")).toBeVisible();
    await latestMail(email, /Verify your email/); // the account is made after the answer
    await this.signIn(email, password);
    await expect(this.page).toHaveURL(/\/dashboard$/);
    await this.verify(email);
    await this.page.goto("/dashboard");
    await expect(this.page).toHaveURL(/\/dashboard$/);
  }
  /** Follows the newest verification link sent to `email`. */
  async verify(email: string) {
    await this.page.goto(await mailLink(email, /Verify your email/, "/verify-email"));
    await this.page.getByTestId("submit").click();
    await expect(this.page.getByTestId("verify-form-done")).toBeVisible();
  }
  async signIn(email: string, password = PASSWORD) {
    await this.page.goto("/login");
    await this.page.getByTestId("email").fill(email);
    await this.page.getByTestId("password").fill(password);
    await this.page.getByTestId("submit").click();
  }
  async signOut() {
    await this.page.getByTestId("sign-out").click();
    await expect(this.page).toHaveURL(/\/login/);
  }
}

export class KeysPage {
  constructor(readonly page: Page) {}
  async open() {
    await this.page.goto("/dashboard/keys");
  }
  async create(name: string): Promise<string> {
    await this.page.getByTestId("key-name").fill(name);
    await this.page.getByTestId("create-key").click();
    const secret = await this.page.getByTestId("new-key-secret").inputValue();
    return secret;
  }
  row(name: string) {
    return this.page.getByTestId("key-row").filter({ hasText: name });
  }
}

/** The billing page against the Stripe test emulator and its Stripe.js stand-in (card numbers typed into the stand-in's test-mode form). */
export class BillingPage {
  constructor(readonly page: Page) {}
  async open() {
    await this.page.goto("/dashboard/billing");
    await expect(this.page.getByTestId("test-mode")).toBeVisible();
  }
  balance() {
    return this.page.getByTestId("billing-balance");
  }
  /** Opens one of the page's tabs: credit, activity, alerts or details. */
  async tab(name: "credit" | "activity" | "alerts" | "details") {
    await this.page.getByTestId(`billing-tab-${name}`).click();
    await expect(this.page.getByTestId(`billing-panel-${name}`)).toBeVisible();
  }
  /** Opens "Add payment method", types the card and saves; returns once the form has answered. */
  async enterCard(number: string) {
    await this.page.getByTestId("add-card").click();
    await expect(this.page.getByTestId("stripe-emulator-test-mode")).toBeVisible();
    await this.page.getByTestId("stripe-emulator-number").fill(number);
    await this.page.getByTestId("stripe-emulator-expiry").fill("12 / 34");
    await this.page.getByTestId("stripe-emulator-cvc").fill("123");
    await this.page.getByTestId("save-card").click();
  }
  async addCard(number: string, last4: string) {
    await this.enterCard(number);
    await expect(this.page.getByTestId("card-row").filter({ hasText: last4 })).toBeVisible();
  }
  async topUp(amount: string) {
    await this.page.getByTestId("topup-amount").fill(amount);
    await this.page.getByTestId("topup-submit").click();
  }
  /** Adds the 4242 card, tops up $5.00 and opens that payment's receipt. */
  async topUpFiveAndOpenReceipt() {
    await this.tab("credit");
    await this.addCard("4242424242424242", "4242");
    await this.topUp("5");
    await expect(this.page.getByTestId("topup-success")).toContainText("Added $5.00");
    await this.page.reload();
    await this.tab("activity");
    await this.page.getByTestId("receipt-link").first().click();
    await expect(this.page.getByTestId("receipt-amount")).toContainText("$5.00");
  }
}

/** Each test gets its own freshly signed-up user. */
export const test = base.extend<{ auth: AuthPage; keys: KeysPage; user: { email: string } }>({
  auth: async ({ page }, use) => use(new AuthPage(page)),
  keys: async ({ page }, use) => use(new KeysPage(page)),
  user: async ({ auth }, use) => {
    const email = uniqueEmail();
    await auth.signUpOk(email);
    await use({ email });
  },
});

export { expect };
