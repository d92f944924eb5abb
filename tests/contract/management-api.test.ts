import { beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { apiKeys, managementKeys, organizationMembers } from "@/db/schema";
import { looksLikeApiKey } from "@/lib/api-keys";
import { createManagementKey, looksLikeManagementKey, ManagementKeyForbiddenError, revokeManagementKey, revokeManagementKeysOf } from "@/lib/management/keys";
import { MANAGEMENT_RATE_LIMIT_PER_MINUTE } from "@/lib/management/http";
import { OPERATIONS } from "@/lib/management/openapi";
import { appFetch } from "@/tests/helpers/app-fetch";
import { makeAccount } from "@/tests/helpers/accounts";
import { integrationApp } from "@/tests/helpers/fixture";
import { assertDocumented } from "./management-api-validator";

// The management API (issue 24 item 4) against its own OpenAPI 3.1 document: every answer
// these tests get, success or error, is checked to be a documented status of its operation
// with a body matching the documented schema (./management-api-validator.ts). The official
// openai SDK calls /v1 with a key this API created.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";
const app = integrationApp();

type Answer = { status: number; body: any; headers: Headers };

async function api(method: string, path: string, opts: { key?: string; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.body !== undefined || opts.raw !== undefined) {
    headers["content-type"] = "application/json";
    body = opts.raw ?? JSON.stringify(opts.body);
  }
  const res = await appFetch(`http://app.test${path}`, { method, headers, body });
  const json = await res.json();
  assertDocumented(method, path, res.status, json);
  return { status: res.status, body: json, headers: res.headers };
}

let org: Awaited<ReturnType<typeof app.account>>;
let other: Awaited<ReturnType<typeof app.account>>;
let mkey: string;
let otherMkey: string;

beforeAll(async () => {
  org = await app.account();
  other = await app.account();
  mkey = (await createManagementKey(app.db, { accountId: org.accountId, userId: org.userId, name: "automation" })).secret;
  otherMkey = (await createManagementKey(app.db, { accountId: other.accountId, userId: other.userId, name: "theirs" })).secret;
});

describe("management keys", () => {
  it("are a kind of their own: distinct prefix, never mistaken for a model key, only a hash stored", async () => {
    expect(mkey.startsWith("sk-mt-admin-")).toBe(true);
    expect(looksLikeManagementKey(mkey)).toBe(true);
    expect(looksLikeApiKey(mkey)).toBe(false);
    expect(looksLikeManagementKey(org.secret)).toBe(false);
    const stored = await app.db.select().from(managementKeys).where(eq(managementKeys.accountId, org.accountId));
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(mkey);
    expect(stored[0].start).toBe(mkey.slice(0, stored[0].start.length));
  });

  it("a management key on /v1 and a model key on /api/v1 get a 401 saying which key they need", async () => {
    const onV1 = await appFetch("http://app.test/v1/models", { headers: { authorization: `Bearer ${mkey}` } });
    expect(onV1.status).toBe(401);
    const v1Body = await onV1.json();
    expect(v1Body.error.code).toBe("invalid_api_key");
    expect(v1Body.error.message).toMatch(/management key/);
    expect(v1Body.error.message).toMatch(/\/v1 needs a model API key/);

    const onMgmt = await api("GET", "/api/v1/keys", { key: org.secret });
    expect(onMgmt.status).toBe(401);
    expect(onMgmt.body.error.message).toMatch(/model API key/);
    expect(onMgmt.body.error.message).toMatch(/needs a management key/);

    expect((await api("GET", "/api/v1/keys")).status).toBe(401);
    expect((await api("GET", "/api/v1/credits", { key: "sk-mt-admin-" + "x".repeat(40) })).status).toBe(401);
  });

  it("stop working when their creator is no longer an owner or admin of the organization", async () => {
    const admin = await makeAccount(app.db);
    await app.db.insert(organizationMembers).values({ accountId: org.accountId, userId: admin.userId, role: "admin" });
    const k = await createManagementKey(app.db, { accountId: org.accountId, userId: admin.userId, name: "admin's" });
    expect((await api("GET", "/api/v1/credits", { key: k.secret })).status).toBe(200);
    await app.db
      .update(organizationMembers)
      .set({ role: "member" })
      .where(and(eq(organizationMembers.accountId, org.accountId), eq(organizationMembers.userId, admin.userId)));
    expect((await api("GET", "/api/v1/credits", { key: k.secret })).status).toBe(401);
    await app.db
      .update(organizationMembers)
      .set({ role: "admin" })
      .where(and(eq(organizationMembers.accountId, org.accountId), eq(organizationMembers.userId, admin.userId)));
    expect((await api("GET", "/api/v1/credits", { key: k.secret })).status).toBe(200);
    await app.db.delete(organizationMembers).where(and(eq(organizationMembers.accountId, org.accountId), eq(organizationMembers.userId, admin.userId)));
    expect((await api("GET", "/api/v1/credits", { key: k.secret })).status).toBe(401);
    // Re-added as admin, then revoked for good by what the members module calls on removal.
    await app.db.insert(organizationMembers).values({ accountId: org.accountId, userId: admin.userId, role: "admin" });
    expect((await api("GET", "/api/v1/credits", { key: k.secret })).status).toBe(200);
    expect(await revokeManagementKeysOf(app.db, { accountId: other.accountId, userId: admin.userId })).toBe(0);
    expect(await revokeManagementKeysOf(app.db, { accountId: org.accountId, userId: admin.userId })).toBe(1);
    expect((await api("GET", "/api/v1/credits", { key: k.secret })).status).toBe(401);
    await app.db
      .update(organizationMembers)
      .set({ role: "member" })
      .where(and(eq(organizationMembers.accountId, org.accountId), eq(organizationMembers.userId, admin.userId)));
    // A member cannot make one in the first place.
    await expect(createManagementKey(app.db, { accountId: org.accountId, userId: admin.userId, name: "x" })).rejects.toBeInstanceOf(
      ManagementKeyForbiddenError,
    );
  });

  it("revocation takes effect on the next request", async () => {
    const k = await createManagementKey(app.db, { accountId: org.accountId, userId: org.userId, name: "short-lived" });
    expect((await api("GET", "/api/v1/credits", { key: k.secret })).status).toBe(200);
    expect(await revokeManagementKey(app.db, { accountId: other.accountId, keyId: k.id })).toBe(false); // not theirs
    expect(await revokeManagementKey(app.db, { accountId: org.accountId, keyId: k.id })).toBe(true);
    const after = await api("GET", "/api/v1/credits", { key: k.secret });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/revoked/);
  });
});

describe("/api/v1/keys", () => {
  it("create → the SDK calls /v1 with it → get, list, patch, disable, enable, delete; each change reaches /v1", async () => {
    const created = await api("POST", "/api/v1/keys", { key: mkey, body: { name: "customer-42", project: "Default", limit: 5.25, limit_reset: "monthly" } });
    expect(created.status).toBe(201);
    const { key: secret, data } = created.body;
    expect(looksLikeApiKey(secret)).toBe(true);
    expect(data).toMatchObject({
      name: "customer-42",
      limit: 5.25,
      limit_micro_usd: 5_250_000,
      limit_reset: "monthly",
      usage: 0,
      usage_micro_usd: 0,
      disabled: false,
    });
    expect(data.project.name).toBe("Default");
    // Stored as the spend limit /v1 enforces, in the creator's name.
    const [row] = await app.db.select().from(apiKeys).where(eq(apiKeys.id, data.id));
    expect(row).toMatchObject({ accountId: org.accountId, createdByUserId: org.userId, spendLimitMicroUsd: 5_250_000n, spendLimitPeriod: "monthly" });

    // The official SDK, with the key the API created.
    const client = app.client(secret);
    const chat = await client.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "hello from a managed key" }] });
    const cost = (chat.usage as unknown as { cost_micro_usd: number }).cost_micro_usd;
    expect(cost).toBeGreaterThan(0);

    const got = await api("GET", `/api/v1/keys/${data.id}`, { key: mkey });
    expect(got.status).toBe(200);
    expect(got.body.data.usage_micro_usd).toBe(cost);
    expect(got.body.data.usage).toBe(cost / 1e6);

    const list = await api("GET", "/api/v1/keys", { key: mkey });
    expect(list.body.data.map((k: { id: string }) => k.id)).toEqual(expect.arrayContaining([data.id, org.keyId]));

    // The project by id works too; an unknown one is a 400 naming `project`.
    const projectId = data.project.id;
    const byId = await api("POST", "/api/v1/keys", { key: mkey, body: { name: "by-id", project: projectId } });
    expect(byId.status).toBe(201);
    expect(byId.body.data).toMatchObject({ project: { id: projectId }, limit: null, limit_reset: null });
    const badProject = await api("POST", "/api/v1/keys", { key: mkey, body: { name: "x", project: "nope" } });
    expect(badProject.status).toBe(400);
    expect(badProject.body.error.param).toBe("project");

    // A limit without a reset is for the key's whole life ("total"); null removes it.
    let patched = await api("PATCH", `/api/v1/keys/${data.id}`, { key: mkey, body: { name: "renamed", limit: 0.000001, limit_reset: null } });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: "renamed", limit: 0.000001, limit_micro_usd: 1, limit_reset: null, usage_micro_usd: cost });
    expect((await app.db.select().from(apiKeys).where(eq(apiKeys.id, data.id)))[0]).toMatchObject({ spendLimitMicroUsd: 1n, spendLimitPeriod: "total" });
    // The new limit is enforced by /v1 at once (the key spent more than a micro-dollar).
    await expect(client.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "again" }] })).rejects.toMatchObject({
      status: 402,
    });
    patched = await api("PATCH", `/api/v1/keys/${data.id}`, { key: mkey, body: { limit: null } });
    expect(patched.body.data).toMatchObject({ limit: null, limit_micro_usd: null, limit_reset: null });

    // Disabled: refused by /v1 with 401; enabled again: works.
    patched = await api("PATCH", `/api/v1/keys/${data.id}`, { key: mkey, body: { disabled: true } });
    expect(patched.body.data.disabled).toBe(true);
    await expect(client.models.list()).rejects.toMatchObject({ status: 401 });
    patched = await api("PATCH", `/api/v1/keys/${data.id}`, { key: mkey, body: { disabled: false } });
    expect(patched.body.data.disabled).toBe(false);
    expect((await client.models.list()).data.length).toBeGreaterThan(0);

    // Deleted: /v1 refuses it, and it is gone from the API.
    const deleted = await api("DELETE", `/api/v1/keys/${data.id}`, { key: mkey });
    expect(deleted).toMatchObject({ status: 200, body: { data: { id: data.id, deleted: true } } });
    await expect(client.models.list()).rejects.toMatchObject({ status: 401 });
    expect((await api("GET", `/api/v1/keys/${data.id}`, { key: mkey })).status).toBe(404);
    expect((await api("DELETE", `/api/v1/keys/${data.id}`, { key: mkey })).status).toBe(404);
    expect((await api("GET", "/api/v1/keys", { key: mkey })).body.data.map((k: { id: string }) => k.id)).not.toContain(data.id);
  });

  it("another organization's key is a 404, word for word like a key that never existed, and is left untouched", async () => {
    const never = await api("GET", "/api/v1/keys/key_doesnotexist", { key: otherMkey });
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { disabled: true }],
      ["DELETE", undefined],
    ] as const) {
      const r = await api(method, `/api/v1/keys/${org.keyId}`, { key: otherMkey, body });
      expect(r.status).toBe(404);
      expect(r.body.error.message.replace(org.keyId, "ID")).toBe(never.body.error.message.replace("key_doesnotexist", "ID"));
    }
    const [row] = await app.db.select().from(apiKeys).where(eq(apiKeys.id, org.keyId));
    expect(row.disabledAt).toBeNull();
    expect(row.revokedAt).toBeNull();
    expect((await api("GET", "/api/v1/keys", { key: otherMkey })).body.data.map((k: { id: string }) => k.id)).not.toContain(org.keyId);
  });

  it("bad input is a 400 naming the parameter, never a 500", async () => {
    const cases: [unknown, string | null][] = [
      [{}, "name"],
      [{ name: "" }, "name"],
      [{ name: "x".repeat(65) }, "name"],
      [{ name: "a", limit: -1 }, "limit"],
      [{ name: "a", limit: 0.0000001 }, "limit"],
      [{ name: "a", limit: 1.2345678 }, "limit"],
      [{ name: "a", limit: "5" }, "limit"],
      [{ name: "a", limit: 1e12 }, "limit"],
      [{ name: "a", limit_reset: "yearly" }, "limit_reset"],
      [{ name: "a", colour: "red" }, "colour"],
      [{ name: "a", limit_reset: "daily" }, "limit_reset"],
      [[1, 2], null],
      ["just a string", null],
    ];
    for (const [body, param] of cases) {
      const r = await api("POST", "/api/v1/keys", { key: mkey, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.param, JSON.stringify(body)).toBe(param);
      expect(r.body.error.type).toBe("invalid_request_error");
    }
    const broken = await api("POST", "/api/v1/keys", { key: mkey, raw: "{not json" });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("invalid_json");
    // None of the refused creations made a key.
    expect((await api("GET", "/api/v1/keys", { key: mkey })).body.data.map((k: { name: string }) => k.name)).not.toContain("a");
    const patch = await api("PATCH", `/api/v1/keys/${org.keyId}`, { key: mkey, body: { disabled: "yes" } });
    expect(patch.status).toBe(400);
    expect(patch.body.error.param).toBe("disabled");
  });
});

describe("/api/v1/credits", () => {
  it("answers the organization's totals from the ledger, in USD and micro-USD", async () => {
    const r = await api("GET", "/api/v1/credits", { key: mkey });
    expect(r.status).toBe(200);
    const [l] = await rows<{ credits: string; usage: string; balance: string; reserved: string }>(
      app.db,
      sql`select (select coalesce(sum(amount_micro_usd), 0) from ledger_entries where account_id = ${org.accountId} and amount_micro_usd > 0)::text as credits,
                 (select coalesce(-sum(amount_micro_usd), 0) from ledger_entries where account_id = ${org.accountId} and kind = 'usage')::text as usage,
                 (select coalesce(sum(amount_micro_usd), 0) from ledger_entries where account_id = ${org.accountId})::text as balance,
                 (select reserved_micro_usd from billing_accounts where id = ${org.accountId})::text as reserved`,
    );
    const d = r.body.data;
    expect(d.total_credits_micro_usd).toBe(Number(l.credits));
    expect(d.total_credits_micro_usd).toBe(10_000_000); // the free credit, nothing else
    expect(d.total_usage_micro_usd).toBe(Number(l.usage));
    expect(d.total_usage_micro_usd).toBeGreaterThan(0); // the SDK's call above
    expect(d.balance_micro_usd).toBe(Number(l.balance));
    expect(d.balance_micro_usd).toBe(d.total_credits_micro_usd - d.total_usage_micro_usd);
    expect(d.held_micro_usd).toBe(Number(l.reserved));
    expect(d.balance).toBe(d.balance_micro_usd / 1e6);
    expect(d.total_credits).toBe(10);
  });
});

describe("/api/v1/usage", () => {
  it("groups by day, model, key and project; bad dates and groups are 400s naming the parameter", async () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const g of ["day", "model", "key", "project"]) {
      const r = await api("GET", `/api/v1/usage?from=${today}&to=${today}&group_by=${g}`, { key: mkey });
      expect(r.status).toBe(200);
      expect(r.body.data.length, g).toBeGreaterThan(0);
      const sum = r.body.data.reduce((s: number, row: { cost_micro_usd: number }) => s + row.cost_micro_usd, 0);
      expect(sum, g).toBe(r.body.total.cost_micro_usd);
    }
    const def = await api("GET", "/api/v1/usage", { key: mkey });
    expect(def.body).toMatchObject({ to: today, group_by: "day" });
    for (const [q, param] of [
      ["from=2026-13-01", "from"],
      ["from=2026-02-30", "from"],
      ["to=yesterday", "to"],
      ["group_by=week", "group_by"],
      ["from=2026-03-02&to=2026-03-01", "from"],
      ["from=2020-01-01&to=2026-01-01", "from"],
      ["colour=red", "colour"],
    ]) {
      const r = await api("GET", `/api/v1/usage?${q}`, { key: mkey });
      expect(r.status, q).toBe(400);
      expect(r.body.error.param, q).toBe(param);
    }
  });
});

describe("rate limit", () => {
  it(`allows ${MANAGEMENT_RATE_LIMIT_PER_MINUTE} requests per minute per management key, then 429 with Retry-After and x-ratelimit-* headers`, async () => {
    const k = (await createManagementKey(app.db, { accountId: other.accountId, userId: other.userId, name: "busy" })).secret;
    // Not at a minute boundary: the fixed window must hold all of them.
    const secondsLeft = 60 - new Date().getUTCSeconds();
    if (secondsLeft < 20) await new Promise((r) => setTimeout(r, secondsLeft * 1000 + 200));
    let last: Answer | undefined;
    for (let i = 0; i < MANAGEMENT_RATE_LIMIT_PER_MINUTE; i++) {
      last = await api("GET", "/api/v1/keys", { key: k });
      expect(last.status).toBe(200);
    }
    expect(last!.headers.get("x-ratelimit-limit-requests")).toBe(String(MANAGEMENT_RATE_LIMIT_PER_MINUTE));
    expect(last!.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    const refused = await api("GET", "/api/v1/keys", { key: k });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limit_exceeded");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+$/);
    // Per key: another management key of the same organization is not limited by it.
    expect((await api("GET", "/api/v1/keys", { key: otherMkey })).status).toBe(200);
  }, 60_000);
});

describe("other paths", () => {
  it("answer a JSON 404 in the same error shape", async () => {
    const res = await appFetch("http://app.test/api/v1/nothing/here", { headers: { authorization: `Bearer ${mkey}` } });
    expect(res.status).toBe(404);
    assertDocumented("GET", "/api/v1/keys/x", 404, await res.json()); // the Error schema
  });
});

describe("/api/v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document of every operation, served without a key", async () => {
    const res = await appFetch("http://app.test/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    for (const op of OPERATIONS) expect(doc.paths[op.path]?.[op.method], `${op.method} ${op.path}`).toBeDefined();
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/v1/credits", "/api/v1/keys", "/api/v1/keys/{id}", "/api/v1/openapi.json", "/api/v1/usage"]);
    expect(doc.paths["/api/v1/keys"].post.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/CreateKeyRequest");
    assertDocumented("GET", "/api/v1/openapi.json", 200, doc);
  });
});
