import { describe, expect, it } from "vitest";
import { and, eq, inArray, like } from "drizzle-orm";
import OpenAI from "openai";
import { countTokens } from "gpt-tokenizer";
import { apiKeys, projects, reservations, usageEvents } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys";
import { setKeySpendLimit } from "@/lib/api-keys/spend-limit";
import { getCatalog, type TextModel } from "@/lib/catalog";
import { auditAccount, monthEnd, postEntry, readBalance } from "@/lib/ledger";
import { newId } from "@/lib/ids";
import { ceilDiv } from "@/lib/money";
import {
  archiveProject,
  createProject,
  listProjects,
  ProjectError,
  projectSpend,
  projectsOverview,
  renameProject,
  setProjectAllowedModels,
  setProjectBudget,
} from "@/lib/projects";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";
// A lease opened by a test stays open until the file ends (the lease test needs it there).
process.env.CREDIT_LEASE_IDLE_MS = "60000";

// Projects (issue 24): CRUD scoped by organization, and their enforcement on /v1: the model
// allowlist (403 model_not_allowed, no money moved) and the monthly budget (402
// project_budget_exceeded, held under the project's row lock so concurrent requests cannot
// jointly pass it).

const app = integrationApp({ maxConnections: 40 });

const lorem = () => getCatalog().get("local/lorem-chat") as TextModel;
const textCost = (m: TextModel, input: number, output: number) =>
  ceilDiv(BigInt(input) * m.pricing.inputMicroUsdPerMTokens + BigInt(output) * m.pricing.outputMicroUsdPerMTokens, 1_000_000n);
const chatInput = (content: string) => 3 + 3 + 1 + countTokens(content);
const messages = [{ role: "user" as const, content: "write" }];
/** The worst case (hold) of one lorem-chat request with max_tokens 10. */
const hold10 = () => textCost(lorem(), chatInput("write"), 10);

/** An organization with a key in a fresh project "P" (and its Default project). */
async function orgWithProject() {
  const a = await app.account();
  const project = await createProject(app.db, { accountId: a.accountId, name: "P" });
  const key = await createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: "in P", projectId: project.id });
  return { ...a, project, projectKey: key };
}

async function moneyOf(accountId: string) {
  const events = await app.db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId));
  const held = await app.db.select().from(reservations).where(eq(reservations.accountId, accountId));
  return { balance: await readBalance(app.db, accountId), events: events.length, held: held.length };
}

async function chargedOf(keyIds: string[]) {
  const events = await app.db.select().from(usageEvents).where(inArray(usageEvents.keyId, keyIds));
  return events.reduce((s, e) => s + e.costMicroUsd, 0n);
}

describe(`lib/projects on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("creates, renames and lists projects, scoped by organization; names are unique per organization", async () => {
    const a = await app.account();
    const other = await app.account();
    const p = await createProject(app.db, { accountId: a.accountId, name: "  Research " });
    expect(p).toMatchObject({ name: "Research", monthlyBudgetMicroUsd: null, allowedModels: null });
    await expect(createProject(app.db, { accountId: a.accountId, name: "Research" })).rejects.toThrow(ProjectError);
    await expect(createProject(app.db, { accountId: a.accountId, name: " " })).rejects.toThrow(/1 to 64/);
    // Another organization may use the same name.
    await createProject(app.db, { accountId: other.accountId, name: "Research" });
    expect((await listProjects(app.db, a.accountId)).map((x) => x.name)).toEqual(["Default", "Research"]);

    expect(await renameProject(app.db, { accountId: other.accountId, projectId: p.id, name: "Stolen" })).toBe(false);
    expect(await renameProject(app.db, { accountId: a.accountId, projectId: p.id, name: "Lab" })).toBe(true);
    await expect(renameProject(app.db, { accountId: a.accountId, projectId: p.id, name: "Default" })).rejects.toThrow(ProjectError);
    const def = (await listProjects(app.db, a.accountId)).find((x) => x.name === "Default")!;
    await expect(renameProject(app.db, { accountId: a.accountId, projectId: def.id, name: "Main" })).rejects.toThrow(/cannot be renamed/);
    expect((await listProjects(app.db, a.accountId)).map((x) => x.name)).toEqual(["Default", "Lab"]);
  });

  it("budgets and allowlists: validated, scoped by organization, cleared with null", async () => {
    const a = await orgWithProject();
    const other = await app.account();
    expect(await setProjectBudget(app.db, { accountId: other.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: 1n })).toBe(false);
    await expect(setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: -1n })).rejects.toThrow(ProjectError);
    expect(await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: 1_234_567n })).toBe(true);
    await expect(
      setProjectAllowedModels(app.db, { accountId: a.accountId, projectId: a.project.id, models: ["local/lorem-chat", "no/such-model"] }),
    ).rejects.toThrow(/Unknown model: no\/such-model/);
    expect(await setProjectAllowedModels(app.db, { accountId: other.accountId, projectId: a.project.id, models: ["local/lorem-chat"] })).toBe(false);
    expect(
      await setProjectAllowedModels(app.db, {
        accountId: a.accountId,
        projectId: a.project.id,
        models: ["local/lorem-chat", "local/echo-chat", "local/lorem-chat"],
      }),
    ).toBe(true);
    const [row] = await app.db.select().from(projects).where(eq(projects.id, a.project.id));
    expect(row).toMatchObject({ monthlyBudgetMicroUsd: 1_234_567n, allowedModels: ["local/echo-chat", "local/lorem-chat"] });
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: null });
    await setProjectAllowedModels(app.db, { accountId: a.accountId, projectId: a.project.id, models: null });
    const [cleared] = await app.db.select().from(projects).where(eq(projects.id, a.project.id));
    expect(cleared).toMatchObject({ monthlyBudgetMicroUsd: null, allowedModels: null });
  });

  it("archiving revokes the project's keys at once (the next request is 401); Default cannot be archived", async () => {
    const a = await orgWithProject();
    const client = sdkClient(a.projectKey.secret);
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }); // cached principal
    const def = (await listProjects(app.db, a.accountId)).find((x) => x.name === "Default")!;
    await expect(archiveProject(app.db, { accountId: a.accountId, projectId: def.id })).rejects.toThrow(/Default project cannot be archived/);
    const other = await app.account();
    expect(await archiveProject(app.db, { accountId: other.accountId, projectId: a.project.id })).toBeNull();
    expect(await archiveProject(app.db, { accountId: a.accountId, projectId: a.project.id })).toEqual({ revokedKeys: 1 });
    const err = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }).catch((e) => e);
    expect(err.status).toBe(401);
    // The Default project's key still works; the archived project is gone from the list.
    await sdkClient(a.secret).chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    expect((await listProjects(app.db, a.accountId)).map((x) => x.name)).toEqual(["Default"]);
    const [k] = await app.db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, a.projectKey.id));
    expect(k.revokedAt).toBeInstanceOf(Date);
    expect(await archiveProject(app.db, { accountId: a.accountId, projectId: a.project.id })).toBeNull();
  });
});

describe(`project enforcement on /v1 (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("a model outside the allowlist: 403 model_not_allowed on every model endpoint, nothing held or charged", async () => {
    const a = await orgWithProject();
    const client = sdkClient(a.projectKey.secret);
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }); // principal cached before the change
    await setProjectAllowedModels(app.db, { accountId: a.accountId, projectId: a.project.id, models: ["local/lorem-chat"] });
    const before = await moneyOf(a.accountId);

    const err = await client.chat.completions.create({ model: "local/echo-chat", messages }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(403);
    expect(err.code).toBe("model_not_allowed");
    expect(err.type).toBe("permission_error");
    expect(err.param).toBe("model");
    expect(err.message).toContain('project "P"');
    expect(err.message).toContain("local/lorem-chat");
    expect(err.message).toContain("/dashboard/projects");
    const embed = getCatalog().models.find((m) => m.modality === "embedding")!;
    const err2 = await client.embeddings.create({ model: embed.id, input: "hello" }).catch((e) => e);
    expect([err2.status, err2.code]).toEqual([403, "model_not_allowed"]);
    expect(await moneyOf(a.accountId)).toEqual(before);

    // The allowed model still works; the Default project's key is not limited by P's list.
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    await sdkClient(a.secret).chat.completions.create({ model: "local/echo-chat", messages });
    // Clearing the list allows every model again, on the next request.
    await setProjectAllowedModels(app.db, { accountId: a.accountId, projectId: a.project.id, models: null });
    await client.chat.completions.create({ model: "local/echo-chat", messages });
  });

  it("a request beyond the monthly budget: 402 project_budget_exceeded; a budget change applies to the next request", async () => {
    const a = await orgWithProject();
    const client = sdkClient(a.projectKey.secret);
    const one = hold10();
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }); // cached without a budget
    const spentBefore = (await projectSpend(app.db, a.project.id)).spentMicroUsd;
    expect(spentBefore).toBeGreaterThan(0n);
    // Room for exactly two more such requests this month.
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: spentBefore + one * 2n });
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    const before = await moneyOf(a.accountId);
    const err = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }).catch((e) => e);
    expect(err.status).toBe(402);
    expect(err.code).toBe("project_budget_exceeded");
    expect(err.type).toBe("insufficient_quota");
    expect(err.message).toContain('project "P"');
    expect(err.message).toContain(monthEnd().toISOString());
    expect(err.message).toContain("/dashboard/projects");
    expect(await moneyOf(a.accountId)).toEqual(before);
    // The Default project's key of the same organization is not limited by P's budget.
    await sdkClient(a.secret).chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });

    // Raised: the next request passes. Cleared: no budget at all.
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: spentBefore + one * 3n });
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    expect((await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }).catch((e) => e)).code).toBe(
      "project_budget_exceeded",
    );
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: null });
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    // A zero budget stops the project.
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: 0n });
    expect((await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }).catch((e) => e)).code).toBe(
      "project_budget_exceeded",
    );
  });

  it("POST /v1/quote answers as the request would: 403 outside the allowlist, project_budget_exceeded among the refusals", async () => {
    const a = await orgWithProject();
    const quote = (body: unknown) =>
      appFetch("http://app.test/v1/quote", {
        method: "POST",
        headers: { authorization: `Bearer ${a.projectKey.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ path: "/v1/chat/completions", body }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const ask = { model: "local/lorem-chat", messages, max_tokens: 10 };
    expect((await quote(ask)).body).toMatchObject({ affordable: true, refusals: [] });
    await setProjectAllowedModels(app.db, { accountId: a.accountId, projectId: a.project.id, models: ["local/lorem-chat"] });
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: hold10() - 1n });
    const denied = await quote({ ...ask, model: "local/echo-chat" });
    expect([denied.status, denied.body.error.code]).toEqual([403, "model_not_allowed"]);
    expect((await quote(ask)).body).toMatchObject({ affordable: false, refusals: ["project_budget_exceeded"] });
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: hold10() });
    expect((await quote(ask)).body).toMatchObject({ affordable: true, refusals: [] });
  });

  it("the budget holds under 100 concurrent requests from three keys (plain and streamed): Σ charged ≤ budget, the rest refused with 402", async () => {
    const a = await orgWithProject();
    const k2 = await createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: "in P 2", projectId: a.project.id });
    const k3 = await createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: "in P 3", projectId: a.project.id });
    const one = hold10();
    const budget = one * 9n + one / 2n;
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: budget });
    const clients = [a.projectKey.secret, k2.secret, k3.secret].map((s) => sdkClient(s));
    const call = async (i: number) => {
      const client = clients[i % 3];
      if (i % 4 !== 0) return (await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 })).usage;
      const stream = await client.chat.completions.create({
        model: "local/lorem-chat",
        messages,
        max_tokens: 10,
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: unknown;
      for await (const c of stream) if (c.usage) usage = c.usage;
      return usage;
    };
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => call(i)));
    const ok = results.filter((r) => r.status === "fulfilled").length;
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(OpenAI.APIError);
      expect([r.reason.status, r.reason.code]).toEqual([402, "project_budget_exceeded"]);
    }
    const charged = await chargedOf([a.projectKey.id, k2.id, k3.id]);
    expect(charged).toBeLessThanOrEqual(budget);
    // Every worst case is held under the lock, and lorem-chat produces all 10 tokens: exactly 9 fit.
    if (app.t.kind === "postgres") expect(ok).toBe(9);
    expect(refused.length).toBe(100 - ok);
    expect((await projectSpend(app.db, a.project.id)).spentMicroUsd).toBe(charged);
    expect(await auditAccount(app.db, a.accountId)).toMatchObject({ ok: true, reservedMicroUsd: 0n });
    const overview = (await projectsOverview(app.db, a.accountId)).find((p) => p.id === a.project.id)!;
    expect(overview).toMatchObject({ activeKeys: 3, monthlyBudgetMicroUsd: budget });
    expect(overview.spend.spentMicroUsd).toBe(charged);
  });

  it("the organization's other keys hot on a credit lease never cause a 402 to a budgeted project's request", async () => {
    const a = await orgWithProject();
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: 5_000_000n });
    // The Default project's key is hot: a burst opens a lease of the organization's credit.
    const def = sdkClient(a.secret);
    await Promise.all(Array.from({ length: 6 }, () => def.images.generate({ model: "local/image-sim", prompt: "warm", n: 4, size: "256x256" })));
    const leased = await app.db
      .select()
      .from(reservations)
      .where(and(eq(reservations.accountId, a.accountId), like(reservations.requestId, "lease\\_%")));
    expect(leased.length).toBeGreaterThan(0);
    // Leave 100 µ$ spendable outside the lease: the request's worst case (~$0.0015) fits only with the lease's unused credit.
    const { availableMicroUsd } = await readBalance(app.db, a.accountId);
    await postEntry(app.db, {
      accountId: a.accountId,
      kind: "adjustment",
      amountMicroUsd: -(availableMicroUsd - 100n),
      reference: newId("evt"),
      description: "test drain",
    });
    const r = await sdkClient(a.projectKey.secret).chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 1000 });
    expect(r.choices[0].message.content).toBeTruthy();
    expect(await auditAccount(app.db, a.accountId)).toMatchObject({ ok: true });
  });

  it("combined with a key's spend limit: the tighter one refuses, with its own code", async () => {
    const a = await orgWithProject();
    const k2 = await createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: "in P 2", projectId: a.project.id });
    const one = hold10();
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: one * 3n });
    await setKeySpendLimit(app.db, { accountId: a.accountId, keyId: a.projectKey.id, limitMicroUsd: one, period: "monthly" });
    const limited = sdkClient(a.projectKey.secret);
    const free = sdkClient(k2.secret);
    await limited.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    expect((await limited.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }).catch((e) => e)).code).toBe(
      "key_spend_limit_exceeded",
    );
    await free.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    await free.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 });
    expect((await free.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 }).catch((e) => e)).code).toBe("project_budget_exceeded");
    // Concurrent requests of both keys, after raising the budget by 20 holds: never above either.
    await setProjectBudget(app.db, { accountId: a.accountId, projectId: a.project.id, monthlyBudgetMicroUsd: one * 23n });
    await setKeySpendLimit(app.db, { accountId: a.accountId, keyId: a.projectKey.id, limitMicroUsd: one * 6n, period: "monthly" });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? free : limited).chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 })),
    );
    for (const r of results)
      if (r.status === "rejected") expect(["key_spend_limit_exceeded", "project_budget_exceeded"]).toContain((r.reason as { code: string }).code);
    expect(await chargedOf([a.projectKey.id])).toBeLessThanOrEqual(one * 6n);
    expect(await chargedOf([a.projectKey.id, k2.id])).toBeLessThanOrEqual(one * 23n);
    if (app.t.kind === "postgres") expect(results.filter((r) => r.status === "fulfilled").length).toBe(20);
    const [row] = await app.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, k2.id), eq(apiKeys.projectId, a.project.id)));
    expect(row).toBeDefined();
  });
});
