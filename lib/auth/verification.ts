import { and, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingAccounts, users } from "@/db/schema";
import { verifyEmailAndGrant, type FreeCreditOutcome } from "@/lib/accounts/free-credit";
import { trySendEmail } from "@/lib/email";
import { absoluteUrl } from "@/lib/email/links";
import { emails } from "@/lib/email/templates";
import { consumeEmailToken, issueEmailToken, TOKEN_TTL_MS, tokensSentSince } from "./email-tokens";
import { NO_PASSWORD } from "./password";
import { revokeEverythingBefore } from "./sessions";

// Email verification: sign-up sends a link; following it verifies the address and decides
// the free credit (lib/accounts/free-credit.ts). Until then the account can sign in and
// look around at $0, and the dashboard offers to send the link again (rate limited); it
// cannot create API keys or change billing (lib/auth/session.ts, VERIFY_FIRST_MESSAGE).
//
// Pre-account takeover: anyone can sign up any address, so the person who follows the
// link (the mailbox's owner) may not be the one who created the account. Followed in a
// browser signed in as that account, the creator verified their own address and keeps
// their password. Otherwise everything made before (sessions, keys, pending changes by
// link) is revoked first (lib/auth/sessions.ts, revokeEverythingBefore), and so is the
// password set at sign-up (whoever signed the address up knows it): the account is left
// without one (NO_PASSWORD) and the verifier gets a single-use link to choose one, the
// password-reset flow's own token (./password-reset.ts). A password reset on an
// unverified account revokes the same and sets the new password in one step.

export const RESEND_MIN_INTERVAL_MS = 60_000;
export const RESENDS_PER_DAY = 5;

export async function sendVerificationEmail(db: Queryable, input: { userId: string; email: string; origin: string; now?: Date }): Promise<boolean> {
  const token = await issueEmailToken(db, { userId: input.userId, purpose: "verify_email", now: input.now });
  const url = absoluteUrl(input.origin, `/verify-email?token=${encodeURIComponent(token)}`);
  return trySendEmail(emails.verify(input.email, url, TOKEN_TTL_MS.verify_email / 3600_000));
}

export type ResendResult = { ok: true; message: string } | { ok: false; message: string };

export async function resendVerificationEmail(db: Queryable, input: { userId: string; origin: string; now?: Date }): Promise<ResendResult> {
  const now = input.now ?? new Date();
  const [u] = await db.select({ email: users.email, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, input.userId));
  if (!u) return { ok: false, message: "No such account." };
  if (u.verifiedAt) return { ok: false, message: "Your email address is already verified." };
  if ((await tokensSentSince(db, input.userId, "verify_email", new Date(now.getTime() - RESEND_MIN_INTERVAL_MS))) > 0) {
    return { ok: false, message: "A link was sent less than a minute ago. Check your inbox (and spam folder), or try again in a minute." };
  }
  if ((await tokensSentSince(db, input.userId, "verify_email", new Date(now.getTime() - 24 * 3600_000))) >= RESENDS_PER_DAY) {
    return { ok: false, message: `At most ${RESENDS_PER_DAY} verification emails a day. Try again tomorrow.` };
  }
  const sent = await sendVerificationEmail(db, { userId: input.userId, email: u.email, origin: input.origin, now });
  if (!sent) return { ok: false, message: "We could not send the email just now. Try again in a minute." };
  return { ok: true, message: `We sent a new link to ${u.email}.` };
}

export type VerifyResult =
  | {
      ok: true;
      freeCredit: FreeCreditOutcome;
      /**
       * Set when the password from before was removed: a reset_password token (single use,
       * TOKEN_TTL_MS.reset_password) for /reset-password, where the verifier chooses one.
       */
      setPasswordToken?: string;
    }
  | { ok: false; message: string };

/**
 * Follows a verification link. `sessionUserId`: the user the browser that followed it is
 * signed in as, if any; only that user's own session proves the creator is verifying.
 */
export async function verifyEmail(db: Queryable, token: string, now = new Date(), opts: { sessionUserId?: string | null } = {}): Promise<VerifyResult> {
  return db.transaction(async (tx) => {
    const consumed = await consumeEmailToken(tx, token, "verify_email", now);
    if (!consumed.ok) {
      return {
        ok: false as const,
        message:
          consumed.reason === "expired"
            ? "This verification link has expired. Sign in and send a new one from the dashboard."
            : consumed.reason === "used"
              ? "This verification link was already used (or a newer one was sent). Sign in to continue."
              : "This verification link is not valid. Sign in and send a new one from the dashboard.",
      };
    }
    const [u] = await tx.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, consumed.userId));
    let setPasswordToken: string | undefined;
    if (!u?.verifiedAt && opts.sessionUserId !== consumed.userId) {
      await revokeEverythingBefore(tx, consumed.userId, now);
      await tx.update(users).set({ passwordHash: NO_PASSWORD }).where(eq(users.id, consumed.userId));
      // Issued after the revocation above (which cancels every outstanding link), so it stays valid.
      setPasswordToken = await issueEmailToken(tx, { userId: consumed.userId, purpose: "reset_password", now });
    }
    const [acct] = await tx
      .select({ id: billingAccounts.id })
      .from(billingAccounts)
      .where(and(eq(billingAccounts.ownerUserId, consumed.userId), eq(billingAccounts.personal, true)));
    const freeCredit = await verifyEmailAndGrant(tx, { userId: consumed.userId, accountId: acct.id }, { now });
    return setPasswordToken ? { ok: true as const, freeCredit, setPasswordToken } : { ok: true as const, freeCredit };
  });
}
