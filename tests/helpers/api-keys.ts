import type { Queryable } from "@/db/client";
import { createApiKey } from "@/lib/api-keys";
import { makeAccount } from "./accounts";

/** A new account ($10 credit) with one API key; returns the secret to call the API with. */
export async function makeAccountWithKey(db: Queryable) {
  const account = await makeAccount(db);
  const key = await createApiKey(db, { accountId: account.accountId, userId: account.userId, name: "test" });
  return { ...account, keyId: key.id, secret: key.secret };
}
