// @module-tag pglite
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { apiKeys } from "@/db/schema";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccount } from "@/tests/helpers/accounts";
import { API_KEY_PREFIX, createApiKey, findActiveKey, hashApiKey, listApiKeys, revokeApiKey } from "./index";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.drop());

describe("api keys", () => {
  it("stores only a hash and a visible start", async () => {
    const a = await makeAccount(t.db);
    const key = await createApiKey(t.db, { accountId: a.accountId, userId: a.userId, name: "ci" });
    expect(key.secret.startsWith(API_KEY_PREFIX)).toBe(true);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row.hash).toBe(hashApiKey(key.secret));
    expect(JSON.stringify(row)).not.toContain(key.secret);
    expect(key.secret.startsWith(row.start)).toBe(true);
    expect(await findActiveKey(t.db, key.secret)).toMatchObject({ keyId: key.id, accountId: a.accountId, tier: "free" });
  });

  it("scopes listing and revocation to the owning account", async () => {
    const a = await makeAccount(t.db);
    const b = await makeAccount(t.db);
    const key = await createApiKey(t.db, { accountId: a.accountId, userId: a.userId, name: "a's key" });
    expect((await listApiKeys(t.db, b.accountId)).map((k) => k.id)).not.toContain(key.id);
    expect(await revokeApiKey(t.db, { accountId: b.accountId, keyId: key.id })).toBe(false);
    expect(await findActiveKey(t.db, key.secret)).not.toBeNull();
    expect(await revokeApiKey(t.db, { accountId: a.accountId, keyId: key.id })).toBe(true);
    expect(await findActiveKey(t.db, key.secret)).toBeNull();
  });

  it("rejects unknown and malformed secrets", async () => {
    expect(await findActiveKey(t.db, "sk-mt-nope")).toBeNull();
    expect(await findActiveKey(t.db, API_KEY_PREFIX + "x".repeat(40))).toBeNull();
  });
});
