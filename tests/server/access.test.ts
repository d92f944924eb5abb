import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { createApiKey } from "@/lib/api-keys";
import { getAutoTopUp } from "@/lib/billing/auto-topup";
import { topUp } from "@/lib/billing";
import { requestElevated } from "@/lib/tiers";
import { signPayload } from "@/devtools/stripe-emulator/webhooks";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { moneyState, settledMoneyState } from "@/tests/helpers/money-checks";
import { startServer, TEST_DIST_DIR, type RunningServer } from "@/tests/helpers/server";
import { CARDS, emulatorAppEnv, saveCard, startStripeTestbed, type StripeTestbed } from "@/tests/helpers/stripe";
import { actionIds, form, makeUser, PASSWORD, WebSession } from "@/tests/helpers/web-session";

// Issue 8, points 4 and 5, against the real built app (its proxy, pages, server actions and
// route handlers) with two accounts A and B. B signs in and calls every server action and
// page with A's ids (keys, cards, PaymentIntents, tier requests, request ids) in bodies,
// URLs and query strings: nothing of A shows or changes. Signed out, the dashboard
// redirects to /login and its route handlers answer 401; /admin is a 403 for non-admins.
// Server actions from a foreign Origin are refused; session cookies are HttpOnly,
// SameSite=Lax, and __Secure-/Secure over https; every response carries the CSP (Stripe.js
// allowed) and the other security headers; the webhook refuses missing, wrong and stale
// signatures. Finally the server's whole stdout/stderr is searched for every API key and
// password used in the run: none may appear.

let t: TestDb;
let tb: StripeTestbed;
let server: RunningServer;
let ids: Record<string, string>;
type Who = Awaited<ReturnType<typeof makeUser>> & { web: WebSession; keyId: string; secret: string; keyName: string };
let A: Who;
let B: Who;
const secretsSeen: string[] = [];

async function v1(secret: string, path = "/v1/credits") {
  return fetch(server.url + path, { headers: { authorization: `Bearer ${secret}` } });
}

beforeAll(async () => {
  t = await createTestDb();
  tb = await startStripeTestbed(t.db);
  server = await startServer({
    DATABASE_URL: t.url!,
    ...emulatorAppEnv(tb),
    ADMIN_EMAILS: "root-admin@access.test",
    AUTH_SECRET: "access-test-secret-access-test-secret-0123",
  });
  ids = actionIds(TEST_DIST_DIR);
  const who = async (tag: string): Promise<Who> => {
    const u = await makeUser(t.db, tag);
    const keyName = `${tag}-key-${u.accountId.slice(-6)}`;
    const key = await createApiKey(t.db, { accountId: u.accountId, userId: u.userId, name: keyName });
    secretsSeen.push(key.secret);
    const web = new WebSession(server.url);
    expect(await web.signIn(u.email)).toBe(true);
    return { ...u, web, keyId: key.id, secret: key.secret, keyName };
  };
  A = await who("alice");
  B = await who("bob");
});

afterAll(async () => {
  await server?.stop();
  await tb?.close();
  await t?.drop();
});

describe("signed out", () => {
  it("every dashboard and admin page redirects to /login; the usage export answers 401; actions change nothing", async () => {
    const anon = new WebSession(server.url);
    for (const p of [
      "/dashboard",
      "/dashboard/keys",
      "/dashboard/billing",
      "/dashboard/usage",
      "/dashboard/usage?range=30d",
      `/dashboard/usage/requests/req_x`,
      "/admin",
    ]) {
      const res = await anon.fetch(p);
      expect([302, 303, 307], p).toContain(res.status);
      expect(new URL(res.headers.get("location")!, server.url).pathname, p).toBe("/login");
    }
    const exp = await anon.fetch("/dashboard/usage/export?range=30d");
    expect(exp.status).toBe(401);
    expect(await exp.text()).not.toContain("req_");

    const keysBefore = await countRows("api_keys");
    await anon.action("/dashboard/keys", ids.createKeyAction, [undefined, form({ name: "anon" })]);
    await anon.action("/dashboard/keys", ids.revokeKeyAction, [form({ keyId: A.keyId })]);
    await anon.action("/dashboard", ids.requestElevatedAction, [undefined, form({ reason: "anon" })]);
    expect(await countRows("api_keys")).toBe(keysBefore);
    expect((await v1(A.secret)).status).toBe(200);
    expect(await countRows("tier_requests")).toBe(0);
  });
});

describe("account isolation: B uses A's ids everywhere", () => {
  it("keys: B's pages never show A's keys; revoking A's key id from B's session does nothing", async () => {
    const page = await (await B.web.fetch("/dashboard/keys")).text();
    expect(page).toContain(B.keyName);
    expect(page).not.toContain(A.keyName);
    expect(page).not.toContain(A.keyId);
    const r = await B.web.action("/dashboard/keys", ids.revokeKeyAction, [form({ keyId: A.keyId })]);
    expect(r.status).toBe(200);
    const [k] = await rows<{ revoked_at: Date | null }>(t.db, sql`select revoked_at from api_keys where id = ${A.keyId}`);
    expect(k.revoked_at).toBeNull();
    expect((await v1(A.secret)).status).toBe(200);
    // A key created by B belongs to B, whatever else the form carries.
    const created = await B.web.action("/dashboard/keys", ids.createKeyAction, [undefined, form({ name: "bob-2", accountId: A.accountId, userId: A.userId })]);
    const secret = /"secret":"(sk-[^"]+)"/.exec(created.text)?.[1];
    expect(secret).toBeTruthy();
    secretsSeen.push(secret!);
    const [owner] = await rows<{ account_id: string }>(t.db, sql`select account_id from api_keys where name = 'bob-2'`);
    expect(owner.account_id).toBe(B.accountId);
    // After creation the secret is never shown again: not on the keys page.
    expect(await (await B.web.fetch("/dashboard/keys")).text()).not.toContain(secret!);
  });

  it("usage: A's request is a 404 for B by id, absent from B's export whatever the query, absent from B's pages", async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${A.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "alice's secret prompt" }] }),
    });
    expect(res.status).toBe(200);
    const reqId = res.headers.get("x-request-id")!;
    expect((await A.web.fetch(`/dashboard/usage/requests/${reqId}`)).status).toBe(200); // A sees it
    const detail = await B.web.fetch(`/dashboard/usage/requests/${reqId}`);
    expect(detail.status).toBe(404);
    // (The 404 page's router state echoes the URL B asked for; nothing of A's request is in it.)
    const notFound = await detail.text();
    for (const a of [A.keyId, A.keyName, A.email, A.accountId]) expect(notFound).not.toContain(a);
    for (const q of [
      "",
      `?key=${A.keyId}`,
      `?account=${A.accountId}&accountId=${A.accountId}`,
      `?range=all&model=local/echo-chat`,
      `?key=${A.keyId}&key=${B.keyId}`,
    ]) {
      const csv = await B.web.fetch(`/dashboard/usage/export${q}`);
      expect(csv.status, q).toBeLessThan(500);
      expect(await csv.text(), q).not.toContain(reqId);
    }
    for (const p of ["/dashboard", "/dashboard/usage", `/dashboard/usage?key=${A.keyId}`, "/dashboard/billing"]) {
      const html = await (await B.web.fetch(p)).text();
      expect(html, p).not.toContain(reqId);
      expect(html, p).not.toContain(A.email);
      expect(html, p).not.toContain(A.keyName);
    }
  });

  it("payment methods, top-ups and auto top-up settings: A's card and PaymentIntent are refused to B; nothing of A changes", async () => {
    const pm = await saveCard(t.db, tb, A.accountId, CARDS.visa);
    const pi = await topUp(t.db, tb.stripe, { accountId: A.accountId, amountCents: 500, paymentMethodId: pm, requestKey: "alice-topup-0001" });
    expect(pi.status).toBe("succeeded");
    const aBefore = await settledMoneyState(t.db, A.accountId);
    const bBefore = await settledMoneyState(t.db, B.accountId);
    const aAuto = await getAutoTopUp(t.db, A.accountId);
    const payments = await countRows("payments");

    expect((await B.web.fetch("/dashboard/billing").then((r) => r.text())).includes(pm)).toBe(false);
    const remove = await B.web.action("/dashboard/billing", ids.removeCardAction, [pm]);
    expect(remove.text).toContain('"ok":false');
    const charge = await B.web.action("/dashboard/billing", ids.topUpAction, [{ amount: "50", paymentMethodId: pm, requestKey: "bob-uses-alice-card" }]);
    expect(charge.text).toContain('"ok":false');
    const confirm = await B.web.action("/dashboard/billing", ids.confirmTopUpAction, [pi.paymentIntentId]);
    expect(confirm.text).toContain('"ok":false');
    const auto = await B.web.action("/dashboard/billing", ids.saveAutoTopUpAction, [
      { enabled: true, threshold: "5.00", amount: "20.00", paymentMethodId: pm },
    ]);
    expect(auto.text).toContain('"ok":false');

    const card = await tb.stripe.paymentMethods.retrieve(pm);
    expect(card.customer).toBeTruthy(); // still attached to A's customer
    expect(await moneyState(t.db, A.accountId)).toEqual(aBefore);
    expect(await moneyState(t.db, B.accountId)).toEqual(bBefore);
    expect(await getAutoTopUp(t.db, A.accountId)).toEqual(aAuto);
    expect((await getAutoTopUp(t.db, B.accountId))?.enabled ?? false).toBe(false);
    expect(await countRows("payments")).toBe(payments);
  });

  it("tiers and admin: B's Elevated request is B's; B cannot decide A's request; /admin is a 403 for B, served to an admin", async () => {
    // C: another Free account with a pending request (A is Paid after its top-up above).
    const C = await makeUser(t.db, "carol");
    const rc = await requestElevated(t.db, { accountId: C.accountId, userId: C.userId, reason: "carol needs a higher limit for her app" });
    expect(rc.ok).toBe(true);
    const [req] = await rows<{ id: string }>(t.db, sql`select id from tier_requests where account_id = ${C.accountId}`);
    await B.web.action("/dashboard", ids.requestElevatedAction, [
      undefined,
      form({ reason: "bob needs a higher limit for a batch job", accountId: C.accountId }),
    ]);
    const byAccount = await rows<{ account_id: string; status: string }>(t.db, sql`select account_id, status from tier_requests order by created_at`);
    expect(byAccount).toEqual([
      { account_id: C.accountId, status: "pending" },
      { account_id: B.accountId, status: "pending" },
    ]);
    const decide = await B.web.action("/admin", ids.decideTierRequestAction, [undefined, form({ requestId: req.id, decision: "approve" })]);
    expect(decide.text).toContain("Only administrators");
    const [after] = await rows<{ status: string; tier: string }>(
      t.db,
      sql`select r.status, a.tier from tier_requests r join billing_accounts a on a.id = r.account_id where r.id = ${req.id}`,
    );
    expect(after).toEqual({ status: "pending", tier: "free" });

    const adminPage = await B.web.fetch("/admin");
    expect(adminPage.status).toBe(403);
    expect(await adminPage.text()).not.toContain(C.email);
    const root = await makeUser(t.db, "root-admin@access.test");
    const admin = new WebSession(server.url);
    expect(await admin.signIn(root.email)).toBe(true);
    const served = await admin.fetch("/admin");
    expect(served.status).toBe(200);
    expect(await served.text()).toContain(C.email);
  });

  it("a key revoked by its owner stops working on the very next request", async () => {
    const key = await createApiKey(t.db, { accountId: A.accountId, userId: A.userId, name: "to-revoke" });
    secretsSeen.push(key.secret);
    expect((await v1(key.secret)).status).toBe(200); // cached in the server's key cache now
    await A.web.action("/dashboard/keys", ids.revokeKeyAction, [form({ keyId: key.id })]);
    const res = await v1(key.secret);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(key.secret);
  });
});

describe("web hygiene", () => {
  it("server actions from a foreign Origin are refused and change nothing", async () => {
    const before = await countRows("api_keys");
    for (const origin of ["https://evil.example", "http://127.0.0.1.evil.example", "null"]) {
      const r = await A.web.action("/dashboard/keys", ids.createKeyAction, [undefined, form({ name: `csrf-${origin}` })], { origin });
      expect(r.status, `${origin}: ${r.text.slice(0, 200)}`).toBe(403);
      expect(r.text).not.toContain("sk-");
    }
    const revoke = await A.web.action("/dashboard/keys", ids.revokeKeyAction, [form({ keyId: A.keyId })], { origin: "https://evil.example" });
    expect(revoke.status).toBe(403);
    expect(await countRows("api_keys")).toBe(before);
    expect((await v1(A.secret)).status).toBe(200);
    // Control: the very same call from the app's own origin does create the key.
    const own = await A.web.action("/dashboard/keys", ids.createKeyAction, [undefined, form({ name: "same-origin" })]);
    const secret = /"secret":"(sk-[^"]+)"/.exec(own.text)?.[1];
    expect(secret).toBeTruthy();
    secretsSeen.push(secret!);
    expect(await countRows("api_keys")).toBe(before + 1);
    console.log(`[access] foreign-origin server actions answered ${revoke.status}; same-origin control ${own.status}`);
  });

  it("session cookies: HttpOnly, SameSite=Lax, Path=/; over https (X-Forwarded-Proto) __Secure- and Secure", async () => {
    const session = A.web.setCookies.find((c) => /^authjs\.session-token=/.test(c))!;
    expect(session).toBeTruthy();
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=Lax/i);
    expect(session).toMatch(/;\s*Path=\//i);
    for (const c of A.web.setCookies.filter((c) => /^authjs\.(csrf-token|callback-url)=/.test(c))) expect(c).toMatch(/SameSite=Lax/i);

    const https = new WebSession(server.url);
    expect(await https.signIn(A.email, PASSWORD, { "x-forwarded-proto": "https" })).toBe(true);
    const secure = https.setCookies.find((c) => /^__Secure-authjs\.session-token=/.test(c))!;
    expect(secure).toBeTruthy();
    expect(secure).toMatch(/;\s*Secure/i);
    expect(secure).toMatch(/;\s*HttpOnly/i);
    expect(secure).toMatch(/;\s*SameSite=Lax/i);
  });

  it("every kind of response carries the CSP (Stripe.js and the emulator allowed, no framing), nosniff and a referrer policy", async () => {
    const emulatorOrigin = new URL(tb.emu.url).origin;
    for (const [p, init] of [
      ["/", {}],
      ["/login", {}],
      ["/pricing", {}],
      ["/docs", {}],
      ["/dashboard", {}],
      ["/dashboard/billing", { headers: { cookie: A.web.cookieHeader() } }],
      ["/v1/models", {}],
      ["/v1/credits", { headers: { authorization: `Bearer ${A.secret}` } }],
      ["/v1/no-such-endpoint", { method: "POST", body: "{}" }],
      ["/v1/chat/completions", { method: "GET" }],
      ["/api/stripe/webhook", { method: "POST", body: "{}" }],
      ["/no-such-page", {}],
    ] as const) {
      const res = await fetch(server.url + p, { redirect: "manual", ...(init as RequestInit) });
      const csp = res.headers.get("content-security-policy");
      expect(csp, p).toBeTruthy();
      const d = Object.fromEntries(
        csp!
          .split(";")
          .map((s) => s.trim().split(/\s+/))
          .map(([k, ...v]) => [k, v]),
      );
      expect(d["default-src"], p).toEqual(["'self'"]);
      expect(d["script-src"], p).toContain("https://js.stripe.com");
      expect(d["script-src"], p).not.toContain("'unsafe-eval'");
      expect(
        d["script-src"].some((s: string) => s === "*" || s === "https:" || s === "http:"),
        p,
      ).toBe(false);
      expect(d["frame-src"], p).toContain("https://js.stripe.com");
      expect(d["connect-src"], p).toContain("https://api.stripe.com");
      expect(d["connect-src"], p).toContain(emulatorOrigin);
      expect(d["frame-ancestors"], p).toEqual(["'none'"]);
      expect(d["object-src"], p).toEqual(["'none'"]);
      expect(d["base-uri"], p).toEqual(["'self'"]);
      expect(res.headers.get("x-content-type-options"), p).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), p).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("x-frame-options"), p).toBe("DENY");
    }
    // On the real server too, a wrong method on an endpoint is the API's JSON 405, not Next's empty one.
    const wrongMethod = await fetch(`${server.url}/v1/chat/completions`);
    expect([wrongMethod.status, wrongMethod.headers.get("allow")]).toEqual([405, "POST"]);
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
    // The Stripe.js stand-in is served by the emulator (allowed as a script source in test
    // mode), never by the app.
    expect((await fetch(`${server.url}/stripe-emulator/stripe.js`)).status).toBe(404);
    expect((await fetch(`${tb.emu.url}/v3/`)).status).toBe(200);
    const billing = await fetch(`${server.url}/dashboard/billing`, { headers: { cookie: A.web.cookieHeader() } });
    const scriptSrc = billing.headers
      .get("content-security-policy")!
      .split(";")
      .find((d) => d.trim().startsWith("script-src"))!;
    expect(scriptSrc).toContain(emulatorOrigin);
    // HSTS on pages and on the model API (production build).
    expect(billing.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
    expect((await fetch(`${server.url}/v1/models`)).headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
  });

  it("the Stripe webhook on the real server refuses missing, wrong and stale signatures with 400", async () => {
    const payload = JSON.stringify({
      id: "evt_access",
      object: "event",
      type: "payment_intent.succeeded",
      data: { object: { id: "pi_x", object: "payment_intent" } },
    });
    const events = await countRows("stripe_events");
    const post = (sig?: string) =>
      fetch(`${server.url}/api/stripe/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(sig ? { "stripe-signature": sig } : {}) },
        body: payload,
      });
    expect((await post()).status).toBe(400);
    expect((await post(signPayload(payload, "whsec_not_the_secret"))).status).toBe(400);
    expect((await post(signPayload(payload, tb.webhookSecret, Math.floor(Date.now() / 1000) - 3600))).status).toBe(400);
    expect((await post(signPayload(payload + " ", tb.webhookSecret))).status).toBe(400);
    // The secret that used to be a constant in the repository is no secret at all.
    expect((await post(signPayload(payload, "whsec_emulator_0000000000000000000000000000"))).status).toBe(400);
    expect(await countRows("stripe_events")).toBe(events);
  });
});

describe("secrets", () => {
  it("no API key and no password appears anywhere in the server's logs", async () => {
    // A wrong password and a wrong key on purpose, so failure paths log too.
    const w = new WebSession(server.url);
    expect(await w.signIn(A.email, "not-the-password-1234")).toBe(false);
    await v1(`${A.secret}x`);
    await new Promise((r) => setTimeout(r, 500));
    const log = server.output();
    expect(log.length).toBeGreaterThan(0);
    for (const s of [...secretsSeen, PASSWORD, "not-the-password-1234"]) {
      expect(log.includes(s), `found a secret in the server log: ${s.slice(0, 8)}…`).toBe(false);
      expect(log.includes(s.slice(3)), `found part of a secret in the server log`).toBe(false);
    }
    console.log(`[access] searched ${log.length} bytes of server output for ${secretsSeen.length} API keys and 2 passwords: none found`);
  });
});

async function countRows(table: "api_keys" | "tier_requests" | "payments" | "stripe_events"): Promise<number> {
  const [r] = await rows<{ n: number }>(t.db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
  return r.n;
}

describe("compression on the real server", () => {
  it("small /v1 answers are not gzipped for SDK clients (no-transform), large ones are, streams never", async () => {
    const gzip = { "accept-encoding": "gzip, deflate", authorization: `Bearer ${A.secret}` };
    const post = (body: object) =>
      fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { ...gzip, "content-type": "application/json" }, body: JSON.stringify(body) });
    const small = await post({ model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 5 });
    expect(small.status).toBe(200);
    expect(small.headers.get("content-encoding")).toBeNull();
    expect(small.headers.get("cache-control")).toContain("no-transform");
    expect(((await small.json()) as { object: string }).object).toBe("chat.completion");

    const refused = await post({ model: "local/echo-chat" });
    expect([refused.status, refused.headers.get("content-encoding")]).toEqual([400, null]);

    const models = await fetch(`${server.url}/v1/models`, { headers: gzip });
    const list = (await models.json()) as { data: unknown[] };
    expect(JSON.stringify(list).length).toBeGreaterThan(1024);
    expect(models.headers.get("content-encoding")).toBe("gzip");

    const stream = await post({ model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 5, stream: true });
    expect(stream.headers.get("content-encoding")).toBeNull();
    expect(await stream.text()).toContain("data: [DONE]");
  });
});
