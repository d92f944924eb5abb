import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "@/lib/api-keys";
import { buildDocPage, docMarkdown, DOC_PAGES } from "@/lib/docs";
import { createManagementKey } from "@/lib/management/keys";
import { OPERATIONS } from "@/lib/management/openapi";
import { appFetch } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";
import { assertDocumented } from "@/tests/contract/management-api-validator";

// /docs/management-api is generated from the OpenAPI document, and its curl samples run:
// each is executed with bash and the real curl against the app (route handlers behind a
// loopback HTTP server), in page order, and each answer must be a documented success.

const run = promisify(execFile);
const app = integrationApp();
let server: http.Server;
let origin: string;

beforeAll(async () => {
  // A loopback HTTP server in front of the in-process route handlers, for curl to call.
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
    const answer = await appFetch(`${origin}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe("docs: the management API page", () => {
  it("is a docs topic with an HTML route and markdown, one section per operation of the document", async () => {
    expect(DOC_PAGES.map((d) => d.slug)).toContain("management-api");
    const file = path.resolve(import.meta.dirname, "../../app/docs/management-api/page.tsx");
    expect(fs.readFileSync(file, "utf8")).toContain(`slug="management-api"`);
    const md = (await docMarkdown("management-api", { origin: "http://app.test" }))!;
    for (const op of OPERATIONS) expect(md).toContain(`## ${op.method.toUpperCase()} ${op.path}`);
    // Schemas inline, from the document (a field only the schemas name).
    expect(md).toContain("usage_micro_usd");
    expect(md).toContain("limit_reset");
    const res = await appFetch("http://app.test/docs/management-api.md");
    expect(res.status).toBe(200);
  });

  it("every curl sample runs against the API and gets a documented success", async () => {
    const org = await app.account();
    const mkey = (await createManagementKey(app.db, { accountId: org.accountId, userId: org.userId, name: "docs" })).secret;
    const target = await createApiKey(app.db, { accountId: org.accountId, userId: org.userId, name: "sample target" });
    const page = (await buildDocPage("management-api", { origin }))!;
    const samples = page.blocks.filter((b) => b.kind === "code" && b.run === "shell") as { text: string; testId?: string }[];
    expect(samples.map((s) => s.testId)).toEqual(OPERATIONS.map((op) => `sample-${op.operationId}`));
    const env = { ...process.env, METERED_MANAGEMENT_KEY: mkey, KEY_ID: target.id };
    for (const [i, s] of samples.entries()) {
      const op = OPERATIONS[i];
      expect(s.text).toContain(origin);
      // --fail-with-body: an error status fails the command (and this test).
      const { stdout } = await run("bash", ["-euo", "pipefail", "-c", s.text], { env, timeout: 30_000 });
      const body = JSON.parse(stdout);
      assertDocumented(op.method, op.path.replace("{id}", target.id), op.status, body);
      if (op.operationId === "createKey") expect(body.data).toMatchObject({ name: "customer-42", limit: 5.25, limit_reset: "monthly" });
      if (op.operationId === "updateKey") expect(body.data).toMatchObject({ id: target.id, limit: 10, limit_reset: null, disabled: true });
      if (op.operationId === "deleteKey") expect(body.data).toEqual({ id: target.id, deleted: true });
    }
    // And a sample that fails does fail: the deleted key is a 404 now.
    const get = samples[OPERATIONS.findIndex((op) => op.operationId === "getKey")];
    await expect(run("bash", ["-euo", "pipefail", "-c", get.text], { env, timeout: 30_000 })).rejects.toMatchObject({ code: 22 });
  });
});
