import type { Db, Queryable } from "@/db/client";
import type { ApiKeyPrincipal } from "@/lib/api-keys";
import { readBalance, readCreditParts } from "@/lib/ledger";
import { microToUsdNumber } from "@/lib/money";
import { unusedLeaseCreditMicroUsd } from "./credit-lease";
import { settlesCommitted } from "./meter";
import { keySpentMicroUsd, periodEnd } from "./spend-limits";

const money = (micro: bigint) => ({ micro: Number(micro), usd: microToUsdNumber(micro) });

/** GET /v1/credits: the key's account balance, and the key's own spend limit if it has one. */
export async function creditsBody(db: Queryable, key: ApiKeyPrincipal, billingUrl: string) {
  // Settles commit just after their answers: read this account's own charges, not the holds.
  await settlesCommitted(key.accountId);
  const b = await readCreditParts(db, key.accountId);
  const balance = money(b.balanceMicroUsd);
  const reserved = money(b.reservedMicroUsd);
  const available = money(b.availableMicroUsd);
  let spendLimit = null;
  if (key.spendLimitMicroUsd !== null && key.spendLimitPeriod) {
    const spent = await keySpentMicroUsd(db, { keyId: key.keyId, period: key.spendLimitPeriod });
    spendLimit = {
      period: key.spendLimitPeriod,
      limit_micro_usd: Number(key.spendLimitMicroUsd),
      limit: microToUsdNumber(key.spendLimitMicroUsd),
      spent_micro_usd: Number(spent.spentMicroUsd),
      spent: microToUsdNumber(spent.spentMicroUsd),
      resets_at: periodEnd(key.spendLimitPeriod)?.toISOString() ?? null,
    };
  }
  return {
    object: "credits",
    currency: "usd",
    balance_micro_usd: balance.micro,
    balance: balance.usd,
    reserved_micro_usd: reserved.micro,
    reserved: reserved.usd,
    available_micro_usd: available.micro,
    available: available.usd,
    // The balance in its two kinds: promotional (free credit, grants; spent first, expires)
    // and paid (top-ups). promotional + paid = balance.
    promotional_micro_usd: Number(b.promotionalMicroUsd),
    promotional: microToUsdNumber(b.promotionalMicroUsd),
    paid_micro_usd: Number(b.paidMicroUsd),
    paid: microToUsdNumber(b.paidMicroUsd),
    promotional_next_expiry: b.nextExpiry
      ? { at: b.nextExpiry.at.toISOString(), amount_micro_usd: Number(b.nextExpiry.amountMicroUsd), amount: microToUsdNumber(b.nextExpiry.amountMicroUsd) }
      : null,
    billing_url: billingUrl,
    key: { id: key.keyId, name: key.keyName, spend_limit: spendLimit },
  };
}

/** Spendable µ$ of the account now (never negative). */
export async function spendableMicroUsd(db: Db, accountId: string): Promise<bigint> {
  const { availableMicroUsd } = await readBalance(db, accountId);
  const spendable = availableMicroUsd + unusedLeaseCreditMicroUsd(db, accountId);
  return spendable > 0n ? spendable : 0n;
}
