import { and, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingAccounts, users } from "@/db/schema";
import { findUserByEmail } from "@/lib/accounts";
import { verifyEmailAndGrant } from "@/lib/accounts/free-credit";
import { trySendEmail } from "@/lib/email";
import { absoluteUrl } from "@/lib/email/links";
import { emails } from "@/lib/email/templates";
import { consumeEmailToken, issueEmailToken, TOKEN_TTL_MS, tokensSentSince } from "./email-tokens";
import { hashPassword, passwordProblem } from "./password";
import { endSessionsAndPendingChanges, revokeEverythingBefore } from "./sessions";
import { clearSignInFailures } from "./throttle";

// Password reset by emailed link: the request answers the same whether or not the address
// has an account; the link is single use, expires in 30 minutes, and is stored hashed
// (./email-tokens.ts). Setting the new password ends every session, cancels every pending
// change by link (a new address waiting for confirmation, other reset and verification
// links) and clears the sign-in delay of that address.
//
// On an UNVERIFIED account the link proves the mailbox, and the person resetting may not
// be the one who signed the address up (pre-account takeover): every key, session and
// pending change made before is revoked, then the address is verified and the free credit
// decided, so it goes only to the account as the verified person now holds it.
//
// The same form is where someone who verified the address by link without the account's
// session chooses its password: that removed the one set at sign-up and handed them a
// reset link (./verification.ts).

export const RESET_REQUESTED_MESSAGE =
  "If an account uses that address, we sent it a link to choose a new password. It works once, for 30 minutes. Check your spam folder if it does not arrive.";

const RESETS_PER_HOUR = 5;

export async function requestPasswordReset(db: Queryable, input: { email: string; origin: string; now?: Date }): Promise<void> {
  const now = input.now ?? new Date();
  const found = await findUserByEmail(db, String(input.email ?? "").slice(0, 254));
  if (!found) return;
  // Quietly bounded per account so the form cannot be used to flood someone's inbox.
  if ((await tokensSentSince(db, found.user.id, "reset_password", new Date(now.getTime() - 3600_000))) >= RESETS_PER_HOUR) return;
  const token = await issueEmailToken(db, { userId: found.user.id, purpose: "reset_password", now });
  const url = absoluteUrl(input.origin, `/reset-password?token=${encodeURIComponent(token)}`);
  await trySendEmail(emails.resetPassword(found.user.email, url, TOKEN_TTL_MS.reset_password / 60_000));
}

export type ResetResult = { ok: true; email: string } | { ok: false; field?: "password"; message: string };

export async function resetPassword(db: Queryable, input: { token: string; password: string; now?: Date }): Promise<ResetResult> {
  const now = input.now ?? new Date();
  if (typeof input.password !== "string") return { ok: false, field: "password", message: "Choose a password." };
  // Hash before the transaction: scrypt takes ~100 ms and must not hold row locks.
  const passwordHash = await hashPassword(input.password);
  return db
    .transaction(async (tx) => {
      const consumed = await consumeEmailToken(tx, input.token, "reset_password", now);
      if (!consumed.ok) {
        const why = consumed.reason === "expired" ? "has expired" : consumed.reason === "used" ? "was already used" : "is not valid";
        return { ok: false as const, message: `This reset link ${why}. Ask for a new one on the "Forgot password" page.` };
      }
      const [u] = await tx.select({ email: users.email, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, consumed.userId));
      const problem = passwordProblem(input.password, u.email);
      if (problem) throw new PasswordRejected(problem); // rolls back: the link stays usable
      await tx.update(users).set({ passwordHash }).where(eq(users.id, consumed.userId));
      if (u.verifiedAt) {
        await endSessionsAndPendingChanges(tx, consumed.userId, now);
      } else {
        await revokeEverythingBefore(tx, consumed.userId, now);
        const [acct] = await tx
          .select({ id: billingAccounts.id })
          .from(billingAccounts)
          .where(and(eq(billingAccounts.ownerUserId, consumed.userId), eq(billingAccounts.personal, true)));
        await verifyEmailAndGrant(tx, { userId: consumed.userId, accountId: acct.id }, { now });
      }
      await clearSignInFailures(tx, u.email);
      return { ok: true as const, email: u.email };
    })
    .catch((err) => {
      if (err instanceof PasswordRejected) return { ok: false as const, field: "password" as const, message: err.message };
      throw err;
    });
}

class PasswordRejected extends Error {}
