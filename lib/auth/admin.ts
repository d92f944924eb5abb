import { eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { users, type AdminStatus } from "@/db/schema";
import { adminEmails } from "@/lib/env";

// Who is an administrator (SECURITY.md, "Administrators"): a user whose address is
// VERIFIED and who is either listed in ADMIN_EMAILS (the bootstrap list) or was granted
// the rights with the CLI (`grant-admin`). `revoke-admin` takes them away, also from a
// listed address. Signing up a listed address is not enough: until its owner follows the
// verification link the account is an ordinary, unverified one.

export type AdminSubject = { email: string; emailVerifiedAt: Date | null; adminStatus: AdminStatus | null };

export function isAdministrator(u: AdminSubject, listed: readonly string[] = adminEmails()): boolean {
  if (!u.emailVerifiedAt || u.adminStatus === "revoked") return false;
  return u.adminStatus === "granted" || listed.includes(u.email.toLowerCase());
}

export class AdminChangeRefused extends Error {}

/** The operator's grant or revocation; a grant needs a verified address (it would not apply otherwise). */
export async function setAdminStatus(db: Queryable, input: { userId: string; status: AdminStatus }): Promise<void> {
  const [u] = await db.select({ email: users.email, emailVerifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, input.userId));
  if (!u) throw new AdminChangeRefused("no such user");
  if (input.status === "granted" && !u.emailVerifiedAt) {
    throw new AdminChangeRefused(`${u.email} is not verified: administrator rights need a verified address (the owner follows the emailed link first)`);
  }
  await db.update(users).set({ adminStatus: input.status }).where(eq(users.id, input.userId));
}
