import { test as base, expect, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";

export const PASSWORD = "correct horse battery staple";

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
  /** Signs up and waits until the dashboard is shown (the session cookie is set by then). */
  async signUpOk(email: string, password = PASSWORD) {
    await this.signUp(email, password);
    await expect(this.page).toHaveURL(/\/dashboard$/);
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
