import { afterAll, describe, expect, it } from "vitest";
import { and, eq, ne } from "drizzle-orm";
import { apiKeys, ledgerEntries, managementKeys, organizationMembers, users } from "@/db/schema";
import { findUserByEmail } from "@/lib/accounts";
import { createApiKey, findActiveKey, KeyLimitError } from "@/lib/api-keys";
import { onKeyChange, type KeyChange } from "@/lib/api-keys/changes";
import { changePassword, confirmEmailChange, deleteAccount, requestEmailChange, signOutEverywhere } from "@/lib/auth/account-settings";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { requestPasswordReset, resetPassword } from "@/lib/auth/password-reset";
import { sessionIsCurrent, sessionState } from "@/lib/auth/sessions";
import { signUp } from "@/lib/auth/signup";
import { checkSignInThrottle, recordSignInFailure } from "@/lib/auth/throttle";
import { verifyEmail } from "@/lib/auth/verification";
import { auditAccount, readBalance } from "@/lib/ledger";
import { createManagementKey } from "@/lib/management/keys";
import { createOrganization } from "@/lib/orgs";
import { acceptInvite, createInvite } from "@/lib/orgs/invites";
import { makeVerifiedAccount } from "@/tests/helpers/accounts";
import { recordEmails } from "@/tests/helpers/mail";
import { integrationApp } from "@/tests/helpers/fixture";

const ORIGIN = "http://localhost:3000";
const PW = "correct horse battery 1";
const app = integrationApp({ maxConnections: 8 });
const mail = recordEmails();
afterAll(async () => {
  mail.stop();
});

let n = 0;
async function user(tag: string) {
  const email = `${tag}-${++n}@settings.test`;
  const a = await makeVerifiedAccount(app.db, { email, passwordHash: await hashPassword(PW) });
  return { ...a, signedInAt: Date.now() - 1 };
}
const current = async (userId: string, authAt: number) => sessionIsCurrent(await sessionState(app.db, userId), authAt);

describe("password reset by emailed link", () => {
  it("answers the same for unknown addresses, sends a single-use link, ends every session and clears the sign-in delay", async () => {
    const u = await user("reset");
    await requestPasswordReset(app.db, { email: "nobody@settings.test", origin: ORIGIN });
    expect(mail.to("nobody@settings.test")).toHaveLength(0);
    await requestPasswordReset(app.db, { email: u.email.toUpperCase(), origin: ORIGIN });
    const token = mail.token(u.email, /Reset your Metered password/, "/reset-password");
    for (let i = 0; i < 8; i++) await recordSignInFailure(app.db, u.email, null);
    expect((await checkSignInThrottle(app.db, u.email, null)).allowed).toBe(false);

    expect(await resetPassword(app.db, { token, password: "short" })).toMatchObject({ ok: false, field: "password" });
    // A refused password does not use the link up.
    expect(await resetPassword(app.db, { token, password: "a brand new passphrase" })).toEqual({ ok: true, email: u.email });
    expect(await resetPassword(app.db, { token, password: "yet another passphrase" })).toMatchObject({ ok: false, message: /already used/ });
    const found = await findUserByEmail(app.db, u.email);
    expect(await verifyPassword("a brand new passphrase", found!.user.passwordHash)).toBe(true);
    expect(await current(u.userId, u.signedInAt)).toBe(false);
    expect(await current(u.userId, Date.now() + 1)).toBe(true);
    expect(await checkSignInThrottle(app.db, u.email, null)).toEqual({ allowed: true });
  });

  it("expires after 30 minutes", async () => {
    const u = await user("reset-late");
    await requestPasswordReset(app.db, { email: u.email, origin: ORIGIN });
    const token = mail.token(u.email, /Reset/, "/reset-password");
    expect(await resetPassword(app.db, { token, password: "a brand new passphrase", now: new Date(Date.now() + 31 * 60_000) })).toMatchObject({
      ok: false,
      message: /expired/,
    });
  });
});

describe("change of password", () => {
  it("needs the current password, then ends every earlier session and tells the owner", async () => {
    const u = await user("chpw");
    expect(await changePassword(app.db, { userId: u.userId, currentPassword: "wrong one", newPassword: "a new passphrase", origin: ORIGIN })).toMatchObject({
      ok: false,
      field: "currentPassword",
    });
    expect(await current(u.userId, u.signedInAt)).toBe(true);
    expect(await changePassword(app.db, { userId: u.userId, currentPassword: PW, newPassword: "a new passphrase", origin: ORIGIN })).toMatchObject({
      ok: true,
    });
    expect(await current(u.userId, u.signedInAt)).toBe(false);
    expect(mail.to(u.email).at(-1)?.subject).toBe("Your Metered password was changed");
  });
});

describe("sign out everywhere", () => {
  it("ends the sessions signed in before it, not later ones", async () => {
    const u = await user("everywhere");
    const before = Date.now() - 5;
    await signOutEverywhere(app.db, u.userId);
    expect(await current(u.userId, before)).toBe(false);
    expect(await current(u.userId, Date.now() + 1)).toBe(true);
  });
});

describe("change of email", () => {
  it("takes effect only when the new address follows its link; the old address is told both times", async () => {
    const u = await user("move");
    const newEmail = `moved-${n}@settings.test`;
    expect(await requestEmailChange(app.db, { userId: u.userId, currentPassword: "nope", newEmail, origin: ORIGIN })).toMatchObject({ ok: false });
    expect(await requestEmailChange(app.db, { userId: u.userId, currentPassword: PW, newEmail: "bad", origin: ORIGIN })).toMatchObject({
      ok: false,
      field: "newEmail",
    });
    expect(await requestEmailChange(app.db, { userId: u.userId, currentPassword: PW, newEmail, origin: ORIGIN })).toMatchObject({ ok: true });
    expect(mail.to(u.email).at(-1)?.subject).toBe("Your Metered email address is being changed");
    expect((await findUserByEmail(app.db, u.email))?.user.id).toBe(u.userId); // not yet
    const token = mail.token(newEmail, /Confirm your new email/, "/confirm-email");
    expect(await confirmEmailChange(app.db, { token, origin: ORIGIN })).toMatchObject({ ok: true });
    expect(await findUserByEmail(app.db, u.email)).toBeNull();
    expect((await findUserByEmail(app.db, newEmail))?.user).toMatchObject({ id: u.userId, emailIdentity: newEmail });
    expect(mail.to(u.email).at(-1)?.subject).toBe("Your Metered email address was changed");
    expect(await confirmEmailChange(app.db, { token, origin: ORIGIN })).toMatchObject({ ok: false });
  });

  it("does not reveal that the new address has an account: that address gets a note, not a link", async () => {
    const u = await user("move2");
    const other = await user("owner");
    mail.clear();
    const r = await requestEmailChange(app.db, { userId: u.userId, currentPassword: PW, newEmail: other.email, origin: ORIGIN });
    expect(r).toEqual({ ok: true, message: `We sent a confirmation link to ${other.email}. Your address changes when you follow it.` });
    expect(mail.to(other.email).map((m) => m.subject)).toEqual(["Someone tried to sign up with your address"]);
  });

  it("verifies an unverified account through the new address (and decides its free credit then)", async () => {
    const email = `unverified-${++n}@settings.test`;
    const r = await signUp(app.db, { email, password: PW }, { origin: ORIGIN });
    if (!r.ok || !r.created) throw new Error("not created");
    const newEmail = `verified-by-move-${n}@settings.test`;
    await requestEmailChange(app.db, { userId: r.created.userId, currentPassword: PW, newEmail, origin: ORIGIN });
    await confirmEmailChange(app.db, { token: mail.token(newEmail, /Confirm/, "/confirm-email"), origin: ORIGIN });
    expect((await readBalance(app.db, r.created.accountId)).balanceMicroUsd).toBe(10_000_000n);
    // The old verification link is for the old address: it grants nothing more.
    await verifyEmail(app.db, mail.token(email, /Verify/, "/verify-email"));
    expect((await readBalance(app.db, r.created.accountId)).balanceMicroUsd).toBe(10_000_000n);
  });
});

describe("account deletion", () => {
  it("re-authenticates, revokes keys and sessions, frees the address, and leaves the ledger untouched", async () => {
    const u = await user("gone");
    const key = await createApiKey(app.db, { accountId: u.accountId, userId: u.userId, name: "k" });
    const ledgerBefore = await app.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, u.accountId));
    expect(await deleteAccount(app.db, { userId: u.userId, password: "wrong" })).toMatchObject({ ok: false });
    expect(await findActiveKey(app.db, key.secret)).not.toBeNull();

    expect(await deleteAccount(app.db, { userId: u.userId, password: PW })).toMatchObject({ ok: true });
    expect(await findActiveKey(app.db, key.secret)).toBeNull();
    const [k] = await app.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(k.revokedAt).not.toBeNull();
    expect(await current(u.userId, Date.now() + 1000)).toBe(false);
    expect(await findUserByEmail(app.db, u.email)).toBeNull();
    const [row] = await app.db.select().from(users).where(eq(users.id, u.userId));
    expect(row).toMatchObject({ passwordHash: "deleted", name: null });
    expect(row.deletedAt).not.toBeNull();
    expect(await app.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, u.accountId))).toEqual(ledgerBefore);
    expect(await auditAccount(app.db, u.accountId)).toMatchObject({ ok: true, balanceMicroUsd: 10_000_000n });
    expect(mail.to(u.email).at(-1)?.subject).toBe("Your Metered account was deleted");

    // The address is free again, but the mailbox has had its free credit.
    const again = await signUp(app.db, { email: u.email, password: "a fresh passphrase" }, { origin: ORIGIN });
    if (!again.ok || !again.created) throw new Error("not created");
    expect(await verifyEmail(app.db, mail.token(u.email, /Verify/, "/verify-email"))).toMatchObject({ ok: true, freeCredit: "identity_used" });
    expect((await readBalance(app.db, again.created.accountId)).balanceMicroUsd).toBe(0n);
  });
});

describe("account deletion in organizations (issue 24)", () => {
  /** A shared organization of `owner`'s, which `u` joins with `role`. */
  async function sharedOrg(owner: { userId: string }, u: { userId: string; email: string }, role: "owner" | "admin" | "member") {
    const { accountId } = await createOrganization(app.db, { userId: owner.userId, name: `Team ${++n}` });
    const { token } = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: u.email, role, origin: ORIGIN });
    expect(await acceptInvite(app.db, { token, userId: u.userId })).toMatchObject({ ok: true });
    return accountId;
  }
  const sharedMemberships = (userId: string, personalId: string) =>
    app.db
      .select()
      .from(organizationMembers)
      .where(and(eq(organizationMembers.userId, userId), ne(organizationMembers.accountId, personalId)));
  const mkeyRevoked = async (id: string) => (await app.db.select().from(managementKeys).where(eq(managementKeys.id, id)))[0].revokedAt !== null;

  it("leaves every shared organization: their keys and management keys there revoked and announced, the others' kept", async () => {
    const u = await user("member-of-two");
    const boss = await user("boss");
    const teamA = await sharedOrg(boss, u, "admin");
    const teamB = await sharedOrg(boss, u, "owner"); // a co-owner: boss stays an owner
    const mineA = await createApiKey(app.db, { accountId: teamA, userId: u.userId, name: "mine" });
    const mineB = await createApiKey(app.db, { accountId: teamB, userId: u.userId, name: "mine" });
    const bossA = await createApiKey(app.db, { accountId: teamA, userId: boss.userId, name: "boss" });
    const mgmtA = await createManagementKey(app.db, { accountId: teamA, userId: u.userId, name: "ci" });
    const mgmtPersonal = await createManagementKey(app.db, { accountId: u.accountId, userId: u.userId, name: "ci" });
    const bossMgmt = await createManagementKey(app.db, { accountId: teamA, userId: boss.userId, name: "ci" });

    const heard: KeyChange[] = [];
    const stop = onKeyChange((c) => heard.push(c));
    try {
      expect(await deleteAccount(app.db, { userId: u.userId, password: PW })).toMatchObject({ ok: true });
    } finally {
      stop();
    }
    expect(await sharedMemberships(u.userId, u.accountId)).toEqual([]);
    expect(await findActiveKey(app.db, mineA.secret)).toBeNull();
    expect(await findActiveKey(app.db, mineB.secret)).toBeNull();
    expect(await findActiveKey(app.db, bossA.secret)).not.toBeNull();
    expect(await mkeyRevoked(mgmtA.id)).toBe(true);
    expect(await mkeyRevoked(mgmtPersonal.id)).toBe(true);
    expect(await mkeyRevoked(bossMgmt.id)).toBe(false);
    // Every instance is told: the personal organization's keys, and each key revoked elsewhere.
    expect(heard).toEqual(expect.arrayContaining([{ accountId: u.accountId }, { keyId: mineA.id }, { keyId: mineB.id }]));
    expect(heard).not.toContainEqual({ keyId: bossA.id });
  });

  it("refuses, changing nothing, while the user is the last owner of a shared organization", async () => {
    const u = await user("last-owner");
    const { accountId: theirs } = await createOrganization(app.db, { userId: u.userId, name: "Solo" });
    const boss = await user("other-boss");
    const joined = await sharedOrg(boss, u, "member");
    const key = await createApiKey(app.db, { accountId: joined, userId: u.userId, name: "mine" });
    const personalKey = await createApiKey(app.db, { accountId: u.accountId, userId: u.userId, name: "personal" });

    const r = await deleteAccount(app.db, { userId: u.userId, password: PW });
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/at least one owner.*Nothing was deleted/) });
    expect((await sharedMemberships(u.userId, u.accountId)).map((m) => m.accountId).sort()).toEqual([theirs, joined].sort());
    expect(await findActiveKey(app.db, key.secret)).not.toBeNull();
    expect(await findActiveKey(app.db, personalKey.secret)).not.toBeNull();
    expect(await findUserByEmail(app.db, u.email)).not.toBeNull();
  });
});

describe("keys per account", () => {
  it("are capped (active keys only), with a message that says what to do", async () => {
    const u = await user("keys");
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createApiKey(app.db, { accountId: u.accountId, userId: u.userId, name: `k${i}`, maxKeys: 3 }));
    const refused = createApiKey(app.db, { accountId: u.accountId, userId: u.userId, name: "k3", maxKeys: 3 });
    await expect(refused).rejects.toThrow(KeyLimitError);
    await expect(refused).rejects.toThrow(/already has 3 active API keys.*Revoke a key/);
    await app.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, made[0].id));
    await expect(createApiKey(app.db, { accountId: u.accountId, userId: u.userId, name: "k3", maxKeys: 3 })).resolves.toMatchObject({ name: "k3" });
  });

  it("default to 25, configurable; two creations at the cap at once: one succeeds", async () => {
    const { DEFAULT_MAX_KEYS_PER_ACCOUNT } = await import("@/lib/api-keys");
    expect(DEFAULT_MAX_KEYS_PER_ACCOUNT).toBe(25);
    if (app.t.kind !== "postgres") return;
    const u = await user("keys-race");
    for (let i = 0; i < 4; i++) await createApiKey(app.db, { accountId: u.accountId, userId: u.userId, name: `k${i}`, maxKeys: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => createApiKey(app.db, { accountId: u.accountId, userId: u.userId, name: `race${i}`, maxKeys: 5 })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const active = (await app.db.select().from(apiKeys).where(eq(apiKeys.accountId, u.accountId))).filter((k) => !k.revokedAt);
    expect(active).toHaveLength(5);
  });
});
