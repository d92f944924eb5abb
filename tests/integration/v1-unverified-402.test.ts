// @module-tag pglite
import { describe, expect, it } from "vitest";
import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { createUserWithAccount, setTier } from "@/lib/accounts";
import { createApiKey } from "@/lib/api-keys";
import { verifyEmailAndGrant } from "@/lib/accounts/free-credit";
import { randomBase62 } from "@/lib/ids";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

const app = integrationApp();

// Issue 23: an account whose address is not verified has never been given credit; its 402
// must say to verify the address (where the $10.00 comes from), not only to add a card.
describe("402 for an account whose email address is not verified", () => {
  it("says to verify the address for the free credit; after verification the same key works", async () => {
    const { userId, accountId } = await createUserWithAccount(app.db, {
      email: `u-${randomBase62(8).toLowerCase()}@example.test`,
      passwordHash: "scrypt$unusable",
    });
    await setTier(app.db, accountId, "paid");
    // Unverified accounts are refused new keys (issue 21), but keys made before that rule
    // exist in databases of earlier releases: one such key, made while the address counted
    // as verified, then the address unverified again as it was for those accounts.
    await app.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, userId));
    const key = await createApiKey(app.db, { accountId, userId, name: "test" });
    await app.db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, userId));
    const client = sdkClient(key.secret);
    const messages = [{ role: "user" as const, content: "hi" }];
    const err = await client.chat.completions.create({ model: "local/echo-chat", messages }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(402);
    expect(err.code).toBe("insufficient_quota");
    expect(err.message).toMatch(/email address is not verified/);
    expect(err.message).toMatch(/Verify the address/);
    expect(err.message).toContain("$10.00 of free credit");

    expect(await verifyEmailAndGrant(app.db, { userId, accountId }, { operator: true })).toBe("granted");
    const ok = await client.chat.completions.create({ model: "local/echo-chat", messages });
    expect(ok.choices[0].message.content).toBe("hi");
  });
});
