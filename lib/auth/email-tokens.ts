import { createHash, randomBytes } from "node:crypto";
import { and, count, eq, gt, isNull, ne } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { emailTokens, type EmailTokenPurpose } from "@/db/schema";
import { newId } from "@/lib/ids";

// Tokens for emailed links: 256 random bits, sent once in the link and stored only as their
// SHA-256 (a database reader cannot use them). Each is for one purpose, expires, and is used
// at most once: consuming is one conditional UPDATE, so two clicks racing cannot both win.

export const TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
  verify_email: 48 * 3600_000,
  reset_password: 30 * 60_000,
  change_email: 24 * 3600_000,
};

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function issueEmailToken(db: Queryable, input: { userId: string; purpose: EmailTokenPurpose; newEmail?: string; now?: Date }): Promise<string> {
  const now = input.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  await db.insert(emailTokens).values({
    id: newId("etok"),
    userId: input.userId,
    purpose: input.purpose,
    tokenHash: hashToken(token),
    newEmail: input.newEmail ?? null,
    expiresAt: new Date(now.getTime() + TOKEN_TTL_MS[input.purpose]),
    createdAt: now,
  });
  return token;
}

export type ConsumedToken = { ok: true; userId: string; newEmail: string | null } | { ok: false; reason: "invalid" | "expired" | "used" };

export async function consumeEmailToken(db: Queryable, token: string, purpose: EmailTokenPurpose, now = new Date()): Promise<ConsumedToken> {
  if (typeof token !== "string" || token.length < 20 || token.length > 100) return { ok: false, reason: "invalid" };
  const tokenHash = hashToken(token);
  const [used] = await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
    .returning({ id: emailTokens.id, userId: emailTokens.userId, newEmail: emailTokens.newEmail });
  if (used) {
    // Earlier links for the same purpose die with this one (an old reset link in a mailbox
    // must not work after the password was reset).
    await db
      .update(emailTokens)
      .set({ usedAt: now })
      .where(and(eq(emailTokens.userId, used.userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), ne(emailTokens.id, used.id)));
    return { ok: true, userId: used.userId, newEmail: used.newEmail };
  }
  const [row] = await db
    .select()
    .from(emailTokens)
    .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose)));
  if (!row) return { ok: false, reason: "invalid" };
  return { ok: false, reason: row.usedAt ? "used" : "expired" };
}

/** How many tokens of this purpose the user was sent since `since` (for resend limits). */
export async function tokensSentSince(db: Queryable, userId: string, purpose: EmailTokenPurpose, since: Date): Promise<number> {
  const [r] = await db
    .select({ n: count() })
    .from(emailTokens)
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), gt(emailTokens.createdAt, since)));
  return r?.n ?? 0;
}

/**
 * Cancels every outstanding link of the user (pending changes of address, password-reset
 * and verification links), as a password reset, a password change and "sign out
 * everywhere" do: whoever asked for them may be the person those actions lock out. A
 * cancelled link answers as used; a verification link can be sent again from the dashboard.
 */
export async function cancelEmailTokens(db: Queryable, userId: string, now = new Date()): Promise<number> {
  const cancelled = await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.userId, userId), isNull(emailTokens.usedAt)))
    .returning({ id: emailTokens.id });
  return cancelled.length;
}
