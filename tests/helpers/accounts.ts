import type { Queryable } from "@/db/client";
import { createUserWithAccount } from "@/lib/accounts";
import { randomBase62 } from "@/lib/ids";

// A real scrypt hash of "correct horse battery" would cost ~100 ms per user; tests that
// don't sign in use a placeholder that can never verify.
export async function makeAccount(db: Queryable, email = `u-${randomBase62(8).toLowerCase()}@example.test`) {
  const { userId, accountId } = await createUserWithAccount(db, { email, passwordHash: "scrypt$unusable" });
  return { userId, accountId, email };
}
