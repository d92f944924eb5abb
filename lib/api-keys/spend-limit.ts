import { and, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { apiKeys, SPEND_LIMIT_PERIODS, type SpendLimitPeriod } from "@/db/schema";
import { notifyKeyChange } from "./changes";

/**
 * Sets (or, with limitMicroUsd null, removes) a key's spend limit. Scoped by account: a
 * key of another account is not touched and the answer is false. For the dashboard and
 * the CLI. Other instances honour the change within the key cache TTL (5 s).
 */
export async function setKeySpendLimit(
  db: Queryable,
  input: { accountId: string; keyId: string; limitMicroUsd: bigint | null; period: SpendLimitPeriod | null },
): Promise<boolean> {
  if (input.limitMicroUsd !== null) {
    if (input.limitMicroUsd < 0n) throw new RangeError("a spend limit must be >= 0");
    if (!input.period || !SPEND_LIMIT_PERIODS.includes(input.period)) {
      throw new RangeError(`period must be one of ${SPEND_LIMIT_PERIODS.join(", ")}`);
    }
  }
  const updated = await db
    .update(apiKeys)
    .set({
      spendLimitMicroUsd: input.limitMicroUsd,
      spendLimitPeriod: input.limitMicroUsd === null ? null : input.period,
    })
    .where(and(eq(apiKeys.id, input.keyId), eq(apiKeys.accountId, input.accountId)))
    .returning({ id: apiKeys.id });
  // Every instance drops its cached copy of the key (lib/api-keys/changes.ts).
  if (updated.length) await notifyKeyChange(db, { keyId: input.keyId });
  return updated.length > 0;
}
