// @module-tag pglite
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { billingAccounts, emailTokens, ledgerEntries, users } from "@/db/schema";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { recordEmails } from "@/tests/helpers/mail";
import { readBalance } from "@/lib/ledger";
import { hashToken } from "./email-tokens";
import { signUp } from "./signup";
import { verifyPassword } from "./password";
import { resendVerificationEmail, verifyEmail } from "./verification";

const ORIGIN = "https://app.example.test";
let t: TestDb;
const mail = recordEmails();
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  mail.stop();
  await t?.drop();
});

async function signUpOk(email: string, password = "a-long-passphrase") {
  const r = await signUp(t.db, { email, password }, { origin: ORIGIN });
  if (!r.ok || !r.created) throw new Error(`sign-up of ${email} did not create: ${JSON.stringify(r)}`);
  return r.created;
}

describe("sign-up", () => {
  it("creates an unverified account at $0 with a scrypt hash, and emails an absolute, single-use verification link", async () => {
    const r = await signUp(t.db, { email: " Ada@Example.com ", password: "a-long-passphrase" }, { origin: ORIGIN });
    if (!r.ok || !r.created) throw new Error("not created");
    expect(r.message).toMatch(/^Check your email: we sent a message to ada@example.com/);
    expect((await readBalance(t.db, r.created.accountId)).balanceMicroUsd).toBe(0n);
    const [u] = await t.db.select().from(users).where(eq(users.id, r.created.userId));
    expect(u).toMatchObject({ email: "ada@example.com", emailVerifiedAt: null, freeCredit: null, emailIdentity: "ada@example.com" });
    expect(u.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword("a-long-passphrase", u.passwordHash)).toBe(true);

    const link = mail.link("ada@example.com", /Verify your email/, "/verify-email");
    expect(link.startsWith(`${ORIGIN}/verify-email?token=`)).toBe(true);
    const [m] = mail.to("ada@example.com");
    expect(m.html).toContain(`href="${link.replaceAll("&", "&amp;")}"`);
    // Stored hashed: the token itself is nowhere in the database.
    const token = new URL(link).searchParams.get("token")!;
    const [row] = await t.db.select().from(emailTokens).where(eq(emailTokens.userId, r.created.userId));
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    // Verifying grants the $10.00 through the ledger, once.
    expect(await verifyEmail(t.db, token)).toMatchObject({ ok: true, freeCredit: "granted" });
    expect((await readBalance(t.db, r.created.accountId)).balanceMicroUsd).toBe(10_000_000n);
    const again = await verifyEmail(t.db, token);
    expect(again).toMatchObject({ ok: false, message: expect.stringMatching(/already used/) });
    const grants = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, r.created.accountId));
    expect(grants.map((g) => [g.kind, g.amountMicroUsd, g.reference])).toEqual([["grant", 10_000_000n, `signup-credit:${r.created.accountId}`]]);
  });

  it("refuses expired and made-up tokens without granting anything", async () => {
    const { userId, accountId } = await signUpOk("late@example.com");
    const token = mail.token("late@example.com", /Verify/, "/verify-email");
    const later = new Date(Date.now() + 49 * 3600_000);
    expect(await verifyEmail(t.db, token, later)).toMatchObject({ ok: false, message: expect.stringMatching(/expired/) });
    expect(await verifyEmail(t.db, "x".repeat(43))).toMatchObject({ ok: false, message: expect.stringMatching(/not valid/) });
    expect(await verifyEmail(t.db, "")).toMatchObject({ ok: false });
    expect((await readBalance(t.db, accountId)).balanceMicroUsd).toBe(0n);
    const [u] = await t.db.select().from(users).where(eq(users.id, userId));
    expect(u.emailVerifiedAt).toBeNull();
  });

  it("answers a registered address exactly like a new one, hashes the password either way, and emails the owner a note instead", async () => {
    await signUpOk("taken@example.com");
    mail.clear();
    const fresh = await signUp(t.db, { email: "fresh@example.com", password: "another-passphrase" }, { origin: ORIGIN });
    const dup = await signUp(t.db, { email: "TAKEN@example.com", password: "another-passphrase" }, { origin: ORIGIN });
    if (!fresh.ok || !dup.ok) throw new Error("refused");
    // What the form shows is the same apart from the address itself.
    expect(dup.message.replace("taken@", "X@")).toBe(fresh.message.replace("fresh@", "X@"));
    expect(dup.created).toBeNull();
    const [note] = mail.to("taken@example.com");
    expect(note.subject).toBe("Someone tried to sign up with your address");
    expect(note.text).toContain(`${ORIGIN}/forgot-password`);
    // No second account, no second password: the owner's hash is unchanged.
    const rows = await t.db.select().from(users).where(eq(users.email, "taken@example.com"));
    expect(rows).toHaveLength(1);
    expect(await verifyPassword("a-long-passphrase", rows[0].passwordHash)).toBe(true);
    const accts = await t.db.select().from(billingAccounts).where(eq(billingAccounts.ownerUserId, rows[0].id));
    expect(accts).toHaveLength(1);
  });

  it("limits resending the verification link: not within a minute, at most 5 a day", async () => {
    const { userId } = await signUpOk("resend@example.com");
    const t0 = Date.now();
    expect(await resendVerificationEmail(t.db, { userId, origin: ORIGIN, now: new Date(t0 + 10_000) })).toMatchObject({
      ok: false,
      message: /less than a minute ago/,
    });
    for (let i = 1; i <= 4; i++) {
      expect(await resendVerificationEmail(t.db, { userId, origin: ORIGIN, now: new Date(t0 + i * 61_000) })).toMatchObject({ ok: true });
    }
    expect(await resendVerificationEmail(t.db, { userId, origin: ORIGIN, now: new Date(t0 + 6 * 61_000) })).toMatchObject({ ok: false, message: /At most 5/ });
    // Only the newest link works: older ones die when one is used.
    const links = mail.to("resend@example.com").map((m) => new URL(m.text.match(/https?:\/\/\S+verify-email\S+/)![0]).searchParams.get("token")!);
    expect(links).toHaveLength(5);
    expect(await verifyEmail(t.db, links[4], new Date(t0 + 7 * 61_000))).toMatchObject({ ok: true });
    expect(await verifyEmail(t.db, links[0], new Date(t0 + 7 * 61_000))).toMatchObject({ ok: false });
    expect(await resendVerificationEmail(t.db, { userId, origin: ORIGIN, now: new Date(t0 + 9 * 61_000) })).toMatchObject({
      ok: false,
      message: /already verified/,
    });
  });

  it("explains weak passwords and malformed input", async () => {
    const o = { origin: ORIGIN };
    expect(await signUp(t.db, { email: "x@example.com", password: "short" }, o)).toMatchObject({ ok: false, field: "password", message: /at least 10/ });
    expect(await signUp(t.db, { email: "x@example.com", password: "aaaaaaaaaaaa" }, o)).toMatchObject({ ok: false, field: "password" });
    expect(await signUp(t.db, { email: "x@example.com", password: "password123" }, o)).toMatchObject({ ok: false, field: "password", message: /common/ });
    expect(await signUp(t.db, { email: "not-an-email", password: "a-long-passphrase" }, o)).toMatchObject({ ok: false, field: "email" });
    expect(await signUp(t.db, { email: 42 }, o)).toMatchObject({ ok: false });
    expect(await signUp(t.db, null, o)).toMatchObject({ ok: false });
  });
});
