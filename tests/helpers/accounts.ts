import type { Queryable } from "@/db/client";
import { createVerifiedUser } from "@/lib/accounts/free-credit";
import { randomBase62 } from "@/lib/ids";

// The one way integration tests make an account: created, its address verified and its
// $10.00 free credit granted (the operator path: no daily cap applies), so tests start
// where a user who followed the verification link would.
export async function makeVerifiedAccount(db: Queryable, input: { email: string; passwordHash: string }) {
  const { userId, accountId } = await createVerifiedUser(db, input);
  return { userId, accountId, email: input.email };
}

// A real scrypt hash of "correct horse battery" would cost ~100 ms per user; tests that
// don't sign in use a placeholder that can never verify.
export async function makeAccount(db: Queryable, email = `u-${randomBase62(8).toLowerCase()}@example.test`) {
  return makeVerifiedAccount(db, { email, passwordHash: "scrypt$unusable" });
}
