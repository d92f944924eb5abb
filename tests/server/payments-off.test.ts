import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { generateEmulatorKeys } from "@/devtools/stripe-emulator/defaults";
import { signPayload } from "@/devtools/stripe-emulator/webhooks";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { startServer, TEST_DIST_DIR, type RunningServer } from "@/tests/helpers/server";
import { startStripeTestbed, type StripeTestbed } from "@/tests/helpers/stripe";
import { actionIds, form, makeUser, WebSession } from "@/tests/helpers/web-session";

// Issue 13 items 1 and 9, as an operator deploys: the built app under `next start`
// (NODE_ENV=production), PostgreSQL, no Stripe keys. Even with a Stripe test emulator
// running and its keys in the environment (someone copied a dev .env), payments are off
// unless STRIPE_EMULATOR_IN_PRODUCTION=1: the billing page says so and offers no card form
// or top-up, the server actions refuse, and every webhook is refused whatever secret
// signed it. Also: links never come from the Host header; the benchmark's pass-through
// routes are not in the build; the app will not start in production without APP_URL.

let t: TestDb;
let tb: StripeTestbed;
let server: RunningServer;
let web: WebSession;
let accountId: string;
const APP_URL = "https://metered.example";

beforeAll(async () => {
  t = await createTestDb();
  tb = await startStripeTestbed(t.db);
  server = await startServer({
    DATABASE_URL: t.url!,
    AUTH_SECRET: "payments-off-secret-payments-off-secret-0123",
    AUTH_URL: undefined,
    APP_URL,
    // The emulator and its keys are there, the opt-in is not.
    STRIPE_EMULATOR_URL: tb.emu.url,
    STRIPE_EMULATOR_SECRET_KEY: tb.emu.config.secretKey,
    STRIPE_EMULATOR_PUBLISHABLE_KEY: tb.emu.config.publishableKey,
    STRIPE_EMULATOR_WEBHOOK_SECRET: tb.emu.config.webhookSecret,
    BENCH_PASSTHROUGH: "1",
    UPSTREAM_BASE_URL: tb.emu.url,
  });
  const u = await makeUser(t.db, "operator");
  accountId = u.accountId;
  web = new WebSession(server.url);
  expect(await web.signIn(u.email)).toBe(true);
});

afterAll(async () => {
  await server?.stop();
  await tb?.close();
  await t?.drop();
});

const moneyRows = async () =>
  (
    await rows<{ n: number }>(
      t.db,
      sql`select (select count(*) from ledger_entries)::int + (select count(*) from stripe_events)::int + (select count(*) from stripe_customers)::int as n`,
    )
  )[0].n;

describe("production without Stripe keys", () => {
  it("the billing page says payments are not configured and offers no card form or top-up", async () => {
    const html = await (await web.fetch("/dashboard/billing")).text();
    expect(html).toContain('data-testid="payments-not-configured"');
    expect(html).toContain("Payments are not configured");
    expect(html).not.toContain('data-testid="test-mode"');
    expect(html).not.toMatch(/data-testid="(add-card|auto-topup|topup-[a-z-]+|top-up[a-z-]*|billing-details[a-z-]*)"/);
    expect(html).not.toContain(tb.emu.url); // no stand-in script, no emulator anywhere
  });

  it("server actions refuse card set-ups, top-ups and billing details; nothing reaches the emulator or the ledger", async () => {
    const ids = actionIds(TEST_DIST_DIR);
    const before = await moneyRows();
    const customersBefore = tb.emu.emulator.customers.size;
    const setup = await web.action("/dashboard/billing", ids.createSetupIntentAction, []);
    expect(setup.text).toContain('"code":"payments_not_configured"');
    const top = await web.action("/dashboard/billing", ids.topUpAction, [{ amount: "50", paymentMethodId: "pm_x", requestKey: "payments-off-0001" }]);
    expect(top.text).toContain('"code":"payments_not_configured"');
    const auto = await web.action("/dashboard/billing", ids.saveAutoTopUpAction, [
      { enabled: true, threshold: "5.00", amount: "20.00", paymentMethodId: null },
    ]);
    expect(auto.text).toContain('"ok":false');
    const details = await web.action("/dashboard/billing", ids.saveBillingDetailsAction, [
      undefined,
      form({ name: "Ada Ltd", line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE", taxIdType: "eu_vat", taxIdValue: "DE123456789" }),
    ]);
    expect(details.text).toContain('"ok":false');
    expect(tb.emu.emulator.customers.size).toBe(customersBefore);
    expect(await moneyRows()).toBe(before);
  });

  it("refuses webhooks signed with the emulator's secret, the old constant or any random whsec", async () => {
    const before = await moneyRows();
    const pi = {
      id: "pi_forged",
      object: "payment_intent",
      status: "succeeded",
      amount: 100000,
      amount_received: 100000,
      currency: "usd",
      customer: "cus_x",
      metadata: { account_id: accountId },
    };
    const payload = JSON.stringify({ id: "evt_forged", object: "event", type: "payment_intent.succeeded", data: { object: pi } });
    for (const secret of [tb.emu.config.webhookSecret, "whsec_emulator_0000000000000000000000000000", generateEmulatorKeys().webhookSecret]) {
      const res = await fetch(`${server.url}/api/stripe/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signPayload(payload, secret) },
        body: payload,
      });
      expect(res.status, secret).toBe(400);
      expect(await res.text()).toContain("payments are not configured");
    }
    expect(await moneyRows()).toBe(before);
  });

  it("does not warn about the emulator (it is not in use)", () => {
    expect(server.output()).not.toContain("PAYMENTS ARE FAKE");
  });
});

describe("hygiene", () => {
  it("links in docs and API errors come from APP_URL, never from a forged Host header", async () => {
    const forged = { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" };
    const llms = await (await fetch(`${server.url}/llms.txt`, { headers: forged })).text();
    expect(llms).toContain(`${APP_URL}/v1`);
    expect(llms).not.toContain("evil.example");
    const doc = await (await fetch(`${server.url}/docs/billing.md`, { headers: forged })).text();
    expect(doc).not.toContain("evil.example");
  });

  it("the benchmark's routes are not in the build, whatever the environment says", async () => {
    // Every app/bench/**/route.bench.ts, found on disk, so a new one is checked too.
    const benchRoutes = (fs.readdirSync(path.resolve(import.meta.dirname, "../../app/bench"), { recursive: true }) as string[])
      .filter((f) => f.endsWith("route.bench.ts"))
      .map((f) => `/bench/${path.dirname(f).split(path.sep).join("/")}`);
    expect(benchRoutes).toContain("/bench/next-v1/chat/completions");
    for (const p of benchRoutes) {
      const res = await fetch(server.url + p, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(res.status, p).toBe(404);
    }
  });

  it("HSTS on pages and on the model API", async () => {
    for (const p of ["/", "/login", "/v1/models"]) {
      expect((await fetch(server.url + p)).headers.get("strict-transport-security"), p).toBe("max-age=63072000; includeSubDomains");
    }
  });

  it("the app does not start in production without APP_URL", async () => {
    await expect(startServer({ DATABASE_URL: t.url!, APP_URL: "" })).rejects.toThrow(/APP_URL: required in production/);
  });
});
