import type { Queryable } from "@/db/client";
import type { Tier } from "@/db/schema";
import { setTier } from "@/lib/accounts";
import { createApiKey } from "@/lib/api-keys";
import { makeAccount } from "./accounts";

/**
 * A new account ($10 credit) with one API key; returns the secret to call the API with.
 * The account is on the Paid tier (300 requests/min) unless told otherwise, so tests that
 * are not about rate limits do not trip the Free tier's 10 requests per minute.
 */
export async function makeAccountWithKey(db: Queryable, opts: { tier?: Tier } = {}) {
  const account = await makeAccount(db);
  await setTier(db, account.accountId, opts.tier ?? "paid");
  const key = await createApiKey(db, { accountId: account.accountId, userId: account.userId, name: "test" });
  return { ...account, keyId: key.id, secret: key.secret };
}
