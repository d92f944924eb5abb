import type { Queryable } from "@/db/client";
import { findUserByEmail } from "@/lib/accounts";
import { hasPassword, verifyPassword } from "./password";

// The password check of sign-in (the Credentials provider in ./index.ts, after its limits):
// the user and account when the address has an account with that password, else null.

// scrypt hash of a random string nobody knows; same cost parameters as real hashes.
const DUMMY_HASH = "scrypt$32768$8$1$3q2+7wAAAAAAAAAAAAAAAA==$Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg=";

export async function userForCredentials(db: Queryable, email: string, password: string) {
  const found = await findUserByEmail(db, email);
  const stored = found && hasPassword(found.user.passwordHash) ? found.user.passwordHash : null;
  // An unknown address, or an account without a password, is checked against a dummy hash:
  // the answer takes as long, so its timing does not tell which addresses have accounts.
  const ok = await verifyPassword(password, stored ?? DUMMY_HASH);
  return ok && stored ? found : null;
}
