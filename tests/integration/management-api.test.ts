import { describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { organizationMembers, projects } from "@/db/schema";
import { KEY_CHANGES_CHANNEL } from "@/lib/api-keys/changes";
import { findActiveKey } from "@/lib/api-keys";
import { CliError, runCommand } from "@/lib/cli/commands";
import { newId } from "@/lib/ids";
import { createManagementKey, findActiveManagementKey } from "@/lib/management/keys";
import { appFetch } from "@/tests/helpers/app-fetch";
import { makeAccount } from "@/tests/helpers/accounts";
import { integrationApp } from "@/tests/helpers/fixture";

// The management API beside the rest of the app: its usage equals the dashboard's CSV
// export to the micro-dollar (the export route itself, with a session standing in), its
// key changes are announced to every instance (NOTIFY), and the operator CLI makes
// management keys.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

// The export route reads the session (next-auth needs a real request): this file's stand-in.
const session = vi.hoisted(() => ({ current: null as null | { accountId: string } }));
vi.mock("@/lib/auth/session", () => ({
  currentAccount: async () => {
    if (!session.current) return null;
    const { getDb } = await import("@/db/client");
    return { db: await getDb(), userId: "usr_test", account: { id: session.current.accountId, tier: "paid" }, role: "owner", can: () => true };
  },
}));

const app = integrationApp({ maxConnections: 20 });

async function api(key: string, method: string, path: string, body?: unknown) {
  const res = await appFetch(`http://app.test${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

type CsvRow = Record<string, string>;

/** The CSV export of the route the dashboard links to, parsed (no field of these rows holds a comma or quote). */
async function exportCsv(accountId: string, from: string, to: string): Promise<CsvRow[]> {
  session.current = { accountId };
  const res = await appFetch(`http://app.test/dashboard/usage/export?from=${from}&to=${to}`);
  expect(res.status).toBe(200);
  const [head, ...lines] = (await res.text()).trim().split("\r\n");
  const cols = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
}

const UNIT_COLUMNS = ["input_tokens", "output_tokens", "images", "video_seconds", "characters", "audio_ms", "cost_micro_usd"] as const;

/** The CSV rows summed per group, as the API's rows name them. */
function sumCsv(rows: CsvRow[], groupOf: (r: CsvRow) => string) {
  const out = new Map<string, Record<string, bigint>>();
  for (const r of rows) {
    const g = out.get(groupOf(r)) ?? { requests: 0n, ...Object.fromEntries(UNIT_COLUMNS.map((c) => [c, 0n])) };
    g.requests += 1n;
    for (const c of UNIT_COLUMNS) g[c] += BigInt(r[c]);
    out.set(groupOf(r), g);
  }
  return out;
}

describe("GET /api/v1/usage equals the CSV export", () => {
  it("per day, model, key and project, to the micro-dollar, over several days", async () => {
    const org = await app.account();
    const mkey = (await createManagementKey(app.db, { accountId: org.accountId, userId: org.userId, name: "usage" })).secret;
    const [extra] = await app.db
      .insert(projects)
      .values({ id: newId("proj"), accountId: org.accountId, name: "Mobile" })
      .returning({ id: projects.id });
    const k1 = await api(mkey, "POST", "/api/v1/keys", { name: "web" });
    const k2 = await api(mkey, "POST", "/api/v1/keys", { name: "mobile", project: "Mobile", limit: 3, limit_reset: "daily" });
    expect(k2.data.project).toEqual({ id: extra.id, name: "Mobile" });
    const c1 = app.client(k1.key);
    const c2 = app.client(k2.key);
    await c1.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "How much is this?" }] });
    await c2.chat.completions.create({ model: "local/lorem-chat", messages: [{ role: "user", content: "write" }], max_tokens: 53 });
    await c2.completions.create({ model: "local/echo-completion", prompt: "Once upon a time", max_tokens: 20 });
    await c1.embeddings.create({ model: "local/embed-sim", input: "some text to embed" });
    await c1.images.generate({ model: "local/image-sim", prompt: "a red fox", n: 2, size: "256x256" });
    // And the model key the account was made with.
    await app.client(org.secret).chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "the original key" }] });

    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    const csv = await exportCsv(org.accountId, from, today);
    expect(csv.length).toBeGreaterThanOrEqual(6);
    const keyProject = new Map([
      [k1.data.id, k1.data.project.id],
      [k2.data.id, extra.id],
      [org.keyId, k1.data.project.id],
    ]);
    const groups = {
      day: (r: CsvRow) => r.created_at_utc.slice(0, 10),
      model: (r: CsvRow) => r.model,
      key: (r: CsvRow) => r.key_id,
      project: (r: CsvRow) => keyProject.get(r.key_id)!,
    };
    for (const [g, groupOf] of Object.entries(groups)) {
      const answer = await api(mkey, "GET", `/api/v1/usage?from=${from}&to=${today}&group_by=${g}`);
      const expected = sumCsv(csv, groupOf);
      const got = new Map<string, Record<string, bigint>>(
        answer.data.map((row: Record<string, number | string>) => [
          String(row[g === "key" ? "key_id" : g === "project" ? "project_id" : g]),
          Object.fromEntries(["requests", ...UNIT_COLUMNS].map((c) => [c, BigInt(row[c])])),
        ]),
      );
      expect(got, g).toEqual(expected);
      const total = [...expected.values()].reduce((s, x) => s + x.cost_micro_usd, 0n);
      expect(BigInt(answer.total.cost_micro_usd), g).toBe(total);
      expect(answer.total.requests, g).toBe(csv.length);
    }
    // The project rows are named; the key rows carry the key's name.
    const byProject = await api(mkey, "GET", `/api/v1/usage?from=${from}&to=${today}&group_by=project`);
    expect(byProject.data.map((r: { project_name: string }) => r.project_name).sort()).toEqual(["Default", "Mobile"]);
    const byKey = await api(mkey, "GET", `/api/v1/usage?from=${from}&to=${today}&group_by=key`);
    expect(byKey.data.find((r: { key_id: string }) => r.key_id === k2.data.id).key_name).toBe("mobile");
    // A period with nothing in it: no rows, zero totals.
    const empty = await api(mkey, "GET", "/api/v1/usage?from=2020-01-01&to=2020-01-31&group_by=model");
    expect(empty.data).toEqual([]);
    expect(empty.total).toMatchObject({ requests: 0, cost_micro_usd: 0 });
  });
});

describe("key changes reach every instance", () => {
  it("PATCH disabled and DELETE announce the key on the key-change channel (what other instances LISTEN to)", async () => {
    const org = await app.account();
    const mkey = (await createManagementKey(app.db, { accountId: org.accountId, userId: org.userId, name: "notify" })).secret;
    const heard: string[] = [];
    await app.t.listen(KEY_CHANGES_CHANNEL, (p) => heard.push(p));
    const k = await api(mkey, "POST", "/api/v1/keys", { name: "announced" });
    await api(mkey, "PATCH", `/api/v1/keys/${k.data.id}`, { disabled: true });
    await vi.waitFor(() => expect(heard).toContain(JSON.stringify({ keyId: k.data.id })), { timeout: 2000 });
    expect(await findActiveKey(app.db, k.key)).toBeNull();
    heard.length = 0;
    await api(mkey, "PATCH", `/api/v1/keys/${k.data.id}`, { disabled: false });
    await vi.waitFor(() => expect(heard).toContain(JSON.stringify({ keyId: k.data.id })), { timeout: 2000 });
    expect(await findActiveKey(app.db, k.key)).not.toBeNull();
    heard.length = 0;
    await api(mkey, "DELETE", `/api/v1/keys/${k.data.id}`);
    await vi.waitFor(() => expect(heard).toContain(JSON.stringify({ keyId: k.data.id })), { timeout: 2000 });
    expect(await findActiveKey(app.db, k.key)).toBeNull();
  });
});

describe("npm run cli -- create-management-key", () => {
  async function run(opts: Record<string, string>) {
    const lines: string[] = [];
    await runCommand(app.db, "create-management-key", opts, (l) => lines.push(l));
    return lines;
  }

  it("creates a key in the user's personal organization by default, or in --org where they are owner or admin; prints the secret once", async () => {
    const owner = await app.account();
    const email = (await app.db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, owner.userId) }))!.email;
    const lines = await run({ email, name: "ci" });
    expect(lines[0]).toMatch(new RegExp(`created management key mkey_\\w+ \\(ci\\) for organization ${owner.accountId}`));
    const secret = lines[1];
    expect(await findActiveManagementKey(app.db, secret)).toMatchObject({ accountId: owner.accountId, createdByUserId: owner.userId, name: "ci" });
    expect(lines.join("\n").split(secret)).toHaveLength(2); // once

    // Someone else, a plain member of owner's organization, is refused; made admin, allowed.
    const member = await makeAccount(app.db);
    await app.db.insert(organizationMembers).values({ accountId: owner.accountId, userId: member.userId, role: "member" });
    await expect(run({ email: member.email, name: "nope", org: owner.accountId })).rejects.toBeInstanceOf(CliError);
    await expect(run({ email: member.email, name: "nope", org: "acct_not_theirs" })).rejects.toThrow(/not an owner or admin/);
    await app.db.update(organizationMembers).set({ role: "admin" }).where(eq(organizationMembers.userId, member.userId));
    const made = await run({ email: member.email, name: "admin-made", org: owner.accountId });
    expect(await findActiveManagementKey(app.db, made[1])).toMatchObject({ accountId: owner.accountId, createdByUserId: member.userId });

    await expect(run({ email, name: "" })).rejects.toThrow(/--name is required/);
    await expect(run({ email: "nobody@example.test", name: "x" })).rejects.toThrow(/no user/);
  });
});
