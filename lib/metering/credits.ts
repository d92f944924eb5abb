import type { Db, Queryable } from "@/db/client";
import type { ApiKeyPrincipal } from "@/lib/api-keys";
import { readBalance, readCreditParts, type Balance } from "@/lib/ledger";
import { processSingleton } from "@/lib/process";
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
  return spendableFrom(db, accountId, await readBalance(db, accountId));
}

function spendableFrom(db: Db, accountId: string, { availableMicroUsd }: Balance): bigint {
  // The unused lease credit is this instance's, counted when the read answers.
  const spendable = availableMicroUsd + unusedLeaseCreditMicroUsd(db, accountId);
  return spendable > 0n ? spendable : 0n;
}

// Balance reads shared by the requests of one account (the x-credit-remaining header of
// every /v1 answer). A read is shared only by callers that asked before it started: it then
// sees every hold those callers had in force when they asked, exactly as a read of their
// own would. A caller arriving while a read is under way waits for the next one, which
// starts when the current one answers and serves everyone who arrived meanwhile. An
// account's concurrent requests thus make about one read per database round trip instead of
// one each, and each still gets a figure that counts its own hold.
type SharedReads = { running: Promise<unknown> | null; waiting: Promise<Balance> | null };
const sharedReads = processSingleton("metering.sharedBalanceReads", () => new WeakMap<Db, Map<string, SharedReads>>());

/** spendableMicroUsd, from a balance read started after this call (shared with the account's other callers). */
export async function spendableMicroUsdShared(db: Db, accountId: string): Promise<bigint> {
  return spendableFrom(db, accountId, await sharedBalanceRead(db, accountId));
}

function sharedBalanceRead(db: Db, accountId: string): Promise<Balance> {
  let perDb = sharedReads.get(db);
  if (!perDb) sharedReads.set(db, (perDb = new Map()));
  let reads = perDb.get(accountId);
  if (!reads) perDb.set(accountId, (reads = { running: null, waiting: null }));
  // A read not started yet is joined; it starts a microtask from now (so a burst's callers
  // share it) or, if one is running, when that one has answered.
  if (reads.waiting) return reads.waiting;
  const state = reads;
  const table = perDb;
  const after = state.running ?? Promise.resolve();
  const read = after.then(() => {
    state.waiting = null;
    return readBalance(db, accountId);
  });
  const ran = read.then(
    () => {},
    () => {},
  );
  state.waiting = read;
  state.running = ran;
  void ran.then(() => {
    if (state.running !== ran) return;
    state.running = null;
    if (!state.waiting) table.delete(accountId);
  });
  return read;
}
