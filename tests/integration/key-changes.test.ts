// @module-tag pglite
import { describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";

import { authenticate, KEY_CACHE_TTL_MS } from "@/lib/api/key-auth";
import { KEY_CHANGES_CHANNEL } from "@/lib/api-keys/changes";
import { revokeApiKey } from "@/lib/api-keys";
import { setTier } from "@/lib/accounts";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp();

const auth = (secret: string) => authenticate(app.db, new Request("http://app.test/v1/models", { headers: { authorization: `Bearer ${secret}` } }));

describe("cached API keys follow changes", () => {
  it("a revoked key is refused on the very next request in this instance", async () => {
    const a = await makeAccountWithKey(app.db);
    await auth(a.secret); // now cached
    await revokeApiKey(app.db, { accountId: a.accountId, keyId: a.keyId });
    await expect(auth(a.secret)).rejects.toMatchObject({ code: "invalid_api_key" });
  });

  it("a tier change applies to the next request", async () => {
    const a = await makeAccountWithKey(app.db, { tier: "free" });
    expect((await auth(a.secret)).tier).toBe("free");
    await setTier(app.db, a.accountId, "elevated");
    expect((await auth(a.secret)).tier).toBe("elevated");
  });

  it("a revocation made by another instance arrives by NOTIFY, well before the cache TTL", async () => {
    const a = await makeAccountWithKey(app.db);
    await auth(a.secret);
    // The cache's clock stands still: its entry cannot expire, so only the notification can
    // make this instance refuse the key.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      // Another process revokes: a plain UPDATE plus the notification, no local event here.
      await app.db.transaction(async (tx) => {
        await tx.execute(sql`update api_keys set revoked_at = now() where id = ${a.keyId}`);
        await tx.execute(sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${JSON.stringify({ keyId: a.keyId })})`);
      });
      await vi.waitFor(() => expect(auth(a.secret)).rejects.toMatchObject({ code: "invalid_api_key" }), { timeout: KEY_CACHE_TTL_MS, interval: 20 });
    } finally {
      vi.useRealTimers();
    }
  });
});
