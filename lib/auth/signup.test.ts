// @module-tag pglite
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { billingAccounts, ledgerEntries, users } from "@/db/schema";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { readBalance } from "@/lib/ledger";
import { signUp } from "./signup";
import { verifyPassword } from "./password";
import { checkSignInThrottle, clearSignInFailures, MAX_FAILURES_PER_EMAIL, recordSignInFailure } from "./throttle";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.drop());

describe("signup", () => {
  it("creates an account with $10.00 and a scrypt password hash", async () => {
    const r = await signUp(t.db, { email: " Ada@Example.com ", password: "a-long-passphrase" });
    if (!r.ok) throw new Error(r.message);
    expect((await readBalance(t.db, r.accountId)).balanceMicroUsd).toBe(10_000_000n);
    const [u] = await t.db.select().from(users).where(eq(users.id, r.userId));
    expect(u.email).toBe("ada@example.com");
    expect(u.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(u.passwordHash).not.toContain("a-long-passphrase");
    expect(await verifyPassword("a-long-passphrase", u.passwordHash)).toBe(true);
    expect(await verifyPassword("a-long-passphrasE", u.passwordHash)).toBe(false);
  });

  it("refuses a duplicate email (any case) without a second grant", async () => {
    await signUp(t.db, { email: "dup@example.com", password: "a-long-passphrase" });
    const r = await signUp(t.db, { email: "DUP@example.com", password: "another-passphrase" });
    expect(r).toMatchObject({ ok: false, field: "email", message: expect.stringMatching(/already exists/) });
    const grants = await t.db
      .select({ id: ledgerEntries.id })
      .from(ledgerEntries)
      .innerJoin(billingAccounts, eq(billingAccounts.id, ledgerEntries.accountId))
      .innerJoin(users, eq(users.id, billingAccounts.ownerUserId))
      .where(eq(users.email, "dup@example.com"));
    expect(grants.length).toBe(1);
  });

  it("explains weak passwords and malformed input", async () => {
    expect(await signUp(t.db, { email: "x@example.com", password: "short" })).toMatchObject({ ok: false, field: "password", message: /at least 10/ });
    expect(await signUp(t.db, { email: "x@example.com", password: "aaaaaaaaaaaa" })).toMatchObject({ ok: false, field: "password" });
    expect(await signUp(t.db, { email: "x@example.com", password: "password123" })).toMatchObject({ ok: false, field: "password", message: /common/ });
    expect(await signUp(t.db, { email: "not-an-email", password: "a-long-passphrase" })).toMatchObject({ ok: false, field: "email" });
    expect(await signUp(t.db, { email: 42 })).toMatchObject({ ok: false });
    expect(await signUp(t.db, null)).toMatchObject({ ok: false });
  });
});

describe("sign-in throttle", () => {
  it("locks an email after repeated failures, from any IP, until cleared", async () => {
    const email = "victim@example.com";
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) await recordSignInFailure(t.db, email, `10.0.0.${i}`);
    expect(await checkSignInThrottle(t.db, email, "192.0.2.1")).toMatchObject({ allowed: false, reason: "email" });
    expect(await checkSignInThrottle(t.db, "other@example.com", "192.0.2.1")).toEqual({ allowed: true });
    await clearSignInFailures(t.db, email);
    expect(await checkSignInThrottle(t.db, email, "192.0.2.1")).toEqual({ allowed: true });
  });

  it("locks an IP that sprays many accounts", async () => {
    for (let i = 0; i < 30; i++) await recordSignInFailure(t.db, `spray${i}@example.com`, "198.51.100.7");
    expect(await checkSignInThrottle(t.db, "fresh@example.com", "198.51.100.7")).toMatchObject({ allowed: false, reason: "ip" });
    expect(await checkSignInThrottle(t.db, "fresh@example.com", "198.51.100.8")).toEqual({ allowed: true });
  });
});
