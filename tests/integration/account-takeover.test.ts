import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { apiKeys, users } from "@/db/schema";
import { findUserByEmail } from "@/lib/accounts";
import { createApiKey, findActiveKey, hashApiKey, UnverifiedAccountError } from "@/lib/api-keys";
import { isAdministrator } from "@/lib/auth/admin";
import { changePassword, confirmEmailChange, requestEmailChange, signOutEverywhere } from "@/lib/auth/account-settings";
import { userForCredentials } from "@/lib/auth/credentials";
import { hashPassword, NO_PASSWORD } from "@/lib/auth/password";
import { requestPasswordReset, resetPassword } from "@/lib/auth/password-reset";
import { sessionIsCurrent, sessionState } from "@/lib/auth/sessions";
import { signUp } from "@/lib/auth/signup";
import { verifyEmail } from "@/lib/auth/verification";
import { runCommand } from "@/lib/cli/commands";
import { newId, randomBase62 } from "@/lib/ids";
import { auditAccount, readBalance } from "@/lib/ledger";
import { makeVerifiedAccount } from "@/tests/helpers/accounts";
import { recordEmails } from "@/tests/helpers/mail";
import { integrationApp } from "@/tests/helpers/fixture";

// Issue 21 items 1-3: administrator rights need a verified address; an unverified account
// holds no keys; whoever proves the address after someone else signed it up gets the
// account clean (keys, sessions, pending changes revoked; the free credit theirs); a
// password reset, a password change and "sign out everywhere" cancel pending changes. A
// verification link followed without the account's session also ends the password set
// before (the attacker's); the verifier chooses one through the reset flow.

const ORIGIN = "http://localhost:3000";
const ATTACKER_PW = "attacker passphrase 1";
const VICTIM_PW = "victim passphrase 22";
const app = integrationApp({ maxConnections: 8 });
const mail = recordEmails();
afterAll(() => mail.stop());

let n = 0;
const current = async (userId: string, authAt: number) => sessionIsCurrent(await sessionState(app.db, userId), authAt);
const row = async (userId: string) => (await app.db.select().from(users).where(eq(users.id, userId)))[0];
async function cli(command: string, opts: Record<string, string>) {
  const lines: string[] = [];
  await runCommand(app.db, command, opts, (l) => lines.push(l));
  return lines;
}

/** The attacker signs up the victim's address (unverified) and starts a session. */
async function attackerSignsUp(tag: string) {
  const email = `${tag}-${++n}@victim.test`;
  const r = await signUp(app.db, { email, password: ATTACKER_PW }, { origin: ORIGIN });
  if (!r.ok || !r.created) throw new Error("not created");
  return { email, ...r.created, sessionAt: Date.now() - 1 };
}

/** A key as one made before this release could exist on an unverified account (today none can be created). */
async function legacyKey(accountId: string, userId: string) {
  const secret = `sk-mt-${randomBase62(40)}`;
  await app.db
    .insert(apiKeys)
    .values({ id: newId("key"), accountId, createdByUserId: userId, name: "attacker", start: secret.slice(0, 10), hash: hashApiKey(secret) });
  return secret;
}

describe("administrators need a verified address", () => {
  it("an unverified ADMIN_EMAILS sign-up is no administrator; verified it is; the CLI grants and revokes", async () => {
    const listed = [`root-${++n}@admins.test`];
    const r = await signUp(app.db, { email: listed[0], password: ATTACKER_PW }, { origin: ORIGIN });
    if (!r.ok || !r.created) throw new Error("not created");
    expect(isAdministrator(await row(r.created.userId), listed)).toBe(false);
    await verifyEmail(app.db, mail.token(listed[0], /Verify/, "/verify-email"));
    expect(isAdministrator(await row(r.created.userId), listed)).toBe(true);

    await cli("revoke-admin", { email: listed[0] });
    expect(isAdministrator(await row(r.created.userId), listed)).toBe(false);
    await cli("grant-admin", { email: listed[0] });
    expect(isAdministrator(await row(r.created.userId), listed)).toBe(true);

    const other = await makeVerifiedAccount(app.db, { email: `ops-${n}@admins.test`, passwordHash: "scrypt$unusable" });
    expect(isAdministrator(await row(other.userId), listed)).toBe(false);
    expect(await cli("grant-admin", { email: other.email })).toEqual([`${other.email} is an administrator`]);
    expect(isAdministrator(await row(other.userId), listed)).toBe(true);

    const unverified = await attackerSignsUp("wants-admin");
    await expect(cli("grant-admin", { email: unverified.email })).rejects.toThrow(/not verified/);
    expect(isAdministrator(await row(unverified.userId), [unverified.email])).toBe(false);
  });

  it("an unverified account cannot create API keys (the CLI neither)", async () => {
    const a = await attackerSignsUp("nokeys");
    await expect(createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: "k" })).rejects.toBeInstanceOf(UnverifiedAccountError);
    await expect(cli("create-key", { email: a.email, name: "k" })).rejects.toThrow(/Verify your email address first/);
    expect(await app.db.select().from(apiKeys).where(eq(apiKeys.accountId, a.accountId))).toEqual([]);
  });
});

describe("pre-account takeover", () => {
  it("the victim resets the password of the account someone else signed up: the attacker's key, session and pending change die; the $10.00 is the victim's", async () => {
    const a = await attackerSignsUp("reset");
    const key = await legacyKey(a.accountId, a.userId);
    // The attacker also asks to move the account to an address they hold.
    const attackerAddress = `attacker-${n}@evil.test`;
    expect(await requestEmailChange(app.db, { userId: a.userId, currentPassword: ATTACKER_PW, newEmail: attackerAddress, origin: ORIGIN })).toMatchObject({
      ok: true,
    });
    const moveToken = mail.token(attackerAddress, /Confirm/, "/confirm-email");
    expect(await findActiveKey(app.db, key)).not.toBeNull();

    // The victim: signs up (told to check their email), then resets the password by link.
    await signUp(app.db, { email: a.email, password: VICTIM_PW }, { origin: ORIGIN });
    await requestPasswordReset(app.db, { email: a.email, origin: ORIGIN });
    const victimAt = Date.now() + 1;
    expect(await resetPassword(app.db, { token: mail.token(a.email, /Reset/, "/reset-password"), password: VICTIM_PW })).toMatchObject({ ok: true });

    expect(await findActiveKey(app.db, key)).toBeNull();
    expect(await current(a.userId, a.sessionAt)).toBe(false);
    expect(await current(a.userId, victimAt + 1)).toBe(true);
    expect(await confirmEmailChange(app.db, { token: moveToken, origin: ORIGIN })).toMatchObject({ ok: false });
    expect((await findUserByEmail(app.db, a.email))?.user.id).toBe(a.userId);
    // The reset proved the mailbox: verified, and the free credit granted only now.
    expect((await row(a.userId)).emailVerifiedAt).not.toBeNull();
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n);
    expect((await auditAccount(app.db, a.accountId)).ok).toBe(true);
  });

  it("the victim follows the verification link without the creator's session: everything made before is revoked, the attacker's password too", async () => {
    const a = await attackerSignsUp("link");
    const key = await legacyKey(a.accountId, a.userId);
    expect((await userForCredentials(app.db, a.email, ATTACKER_PW))?.user.id).toBe(a.userId);

    const verified = await verifyEmail(app.db, mail.token(a.email, /Verify/, "/verify-email"));
    // The password the attacker chose at sign-up no longer signs in; the account has none.
    expect(await userForCredentials(app.db, a.email, ATTACKER_PW)).toBeNull();
    expect((await row(a.userId)).passwordHash).toBe(NO_PASSWORD);
    expect(verified).toEqual({ ok: true, freeCredit: "granted", setPasswordToken: expect.any(String) });
    expect(await findActiveKey(app.db, key)).toBeNull();
    expect(await current(a.userId, a.sessionAt)).toBe(false);

    // The victim chooses a password with the link the verification gave them, and signs in.
    if (!verified.ok || !verified.setPasswordToken) throw new Error("no set-password token");
    const victimAt = Date.now() + 1;
    expect(await resetPassword(app.db, { token: verified.setPasswordToken, password: VICTIM_PW })).toEqual({ ok: true, email: a.email });
    expect((await userForCredentials(app.db, a.email, VICTIM_PW))?.user.id).toBe(a.userId);
    expect(await userForCredentials(app.db, a.email, ATTACKER_PW)).toBeNull();
    expect(await current(a.userId, victimAt + 1)).toBe(true);
    // The link works once; the free credit was granted once, to the verified account.
    expect(await resetPassword(app.db, { token: verified.setPasswordToken, password: ATTACKER_PW })).toMatchObject({ ok: false });
    expect((await userForCredentials(app.db, a.email, VICTIM_PW))?.user.id).toBe(a.userId);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n);
    expect((await auditAccount(app.db, a.accountId)).ok).toBe(true);
  });

  it("a browser signed in as another account counts as not signed in: the password set before stops working", async () => {
    const a = await attackerSignsUp("other-session");
    const other = await makeVerifiedAccount(app.db, { email: `other-${n}@victim.test`, passwordHash: await hashPassword(VICTIM_PW) });
    const verified = await verifyEmail(app.db, mail.token(a.email, /Verify/, "/verify-email"), new Date(), { sessionUserId: other.userId });
    expect(await userForCredentials(app.db, a.email, ATTACKER_PW)).toBeNull();
    expect(verified).toMatchObject({ ok: true, setPasswordToken: expect.any(String) });
    expect(await current(a.userId, a.sessionAt)).toBe(false);
  });

  it("the creator following the link while signed in keeps their session and their password", async () => {
    const a = await attackerSignsUp("creator");
    const verified = await verifyEmail(app.db, mail.token(a.email, /Verify/, "/verify-email"), new Date(), { sessionUserId: a.userId });
    expect(verified).toStrictEqual({ ok: true, freeCredit: "granted" });
    expect(await current(a.userId, a.sessionAt)).toBe(true);
    expect((await userForCredentials(app.db, a.email, ATTACKER_PW))?.user.id).toBe(a.userId);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n);
  });
});

describe("pending changes die with the password", () => {
  async function victimWithPendingMove(tag: string) {
    const v = await makeVerifiedAccount(app.db, { email: `${tag}-${++n}@settings.test`, passwordHash: await hashPassword(VICTIM_PW) });
    const attackerAddress = `${tag}-${n}@evil.test`;
    // Requested by someone holding the victim's session (and password).
    await requestEmailChange(app.db, { userId: v.userId, currentPassword: VICTIM_PW, newEmail: attackerAddress, origin: ORIGIN });
    return { ...v, moveToken: mail.token(attackerAddress, /Confirm/, "/confirm-email") };
  }
  const stillOwns = async (v: { userId: string; email: string }) => expect((await findUserByEmail(app.db, v.email))?.user.id).toBe(v.userId);

  it("a password reset cancels a pending change of address", async () => {
    const v = await victimWithPendingMove("reset");
    await requestPasswordReset(app.db, { email: v.email, origin: ORIGIN });
    expect(await resetPassword(app.db, { token: mail.token(v.email, /Reset/, "/reset-password"), password: "a fresh passphrase 3" })).toMatchObject({
      ok: true,
    });
    expect(await confirmEmailChange(app.db, { token: v.moveToken, origin: ORIGIN })).toMatchObject({ ok: false });
    await stillOwns(v);
  });

  it("a password change cancels a pending change of address and outstanding reset links", async () => {
    const v = await victimWithPendingMove("change");
    await requestPasswordReset(app.db, { email: v.email, origin: ORIGIN });
    const resetToken = mail.token(v.email, /Reset/, "/reset-password");
    expect(await changePassword(app.db, { userId: v.userId, currentPassword: VICTIM_PW, newPassword: "a fresh passphrase 4", origin: ORIGIN })).toMatchObject({
      ok: true,
    });
    expect(await confirmEmailChange(app.db, { token: v.moveToken, origin: ORIGIN })).toMatchObject({ ok: false });
    expect(await resetPassword(app.db, { token: resetToken, password: "attacker's choice 55" })).toMatchObject({ ok: false });
    await stillOwns(v);
  });

  it("sign out everywhere cancels a pending change of address and outstanding reset links", async () => {
    const v = await victimWithPendingMove("everywhere");
    await requestPasswordReset(app.db, { email: v.email, origin: ORIGIN });
    const resetToken = mail.token(v.email, /Reset/, "/reset-password");
    await signOutEverywhere(app.db, v.userId);
    expect(await confirmEmailChange(app.db, { token: v.moveToken, origin: ORIGIN })).toMatchObject({ ok: false });
    expect(await resetPassword(app.db, { token: resetToken, password: "attacker's choice 56" })).toMatchObject({ ok: false });
    await stillOwns(v);
  });
});
