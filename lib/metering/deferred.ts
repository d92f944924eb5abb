import type { Db, Tx } from "@/db/client";
import type { CatalogModel } from "@/lib/catalog";
import { settle, type BatchSettleResult } from "@/lib/ledger";
import { runAfterSettle } from "./after-settle";
import { costMicroUsd, type Units } from "./cost";
import { usageRecord } from "./usage";

// Work that settles after its response (video jobs; anything deferred). It owns a hold that
// outlives the request: a reservation row of its own, keyed by the request id, made by
// Meter.defer() (which moves a credit-lease hold out of the lease). Any instance can settle
// it, through here: the same ledger settle as every request (a batch of one), the same
// usage record, the same after-settle hooks (docs/architecture.md, "Holds").

/** What deferred work keeps (in its own row) to settle later; from Meter.defer(). */
export type DeferredHold = {
  requestId: string;
  accountId: string;
  keyId: string | null;
  model: { id: string; modality: string };
  reservedMicroUsd: bigint;
};

type Outcome = { status?: string; latencyMs: number };

/**
 * The caller's own writes, in the settle's transaction: `before` the settle statement
 * (keep the heavy ones here: the settle locks the account row until the commit) and
 * `after` it, seeing its result. Throwing from either rolls back everything, the settle
 * included (e.g. "the job moved meanwhile: charge nothing, deliver nothing").
 */
export type DeferredSteps = {
  before?: (tx: Tx) => Promise<void>;
  after?: (tx: Tx, result: BatchSettleResult) => Promise<void>;
};

/**
 * Settles deferred work to the cost of `units` on `model` (capped at the hold) in one
 * transaction together with the caller's own writes (`steps`). The after-settle hooks run
 * after the commit. A hold already settled or swept settles nothing (settled: false).
 */
export async function settleDeferred(
  db: Db,
  hold: DeferredHold,
  outcome: Outcome & { model: CatalogModel; units: Units },
  steps: DeferredSteps = {},
): Promise<BatchSettleResult> {
  return run(db, hold, costMicroUsd(outcome.model, outcome.units), outcome.units, outcome, steps);
}

/** Gives a deferred hold back without charging (the work failed); `steps` as in settleDeferred(). */
export function releaseDeferred(db: Db, hold: DeferredHold, outcome: Outcome, steps: DeferredSteps = {}): Promise<BatchSettleResult> {
  return run(db, hold, 0n, {}, outcome, steps);
}

async function run(db: Db, hold: DeferredHold, costMicroUsd: bigint, units: Units, outcome: Outcome, steps: DeferredSteps = {}): Promise<BatchSettleResult> {
  const result = await db.transaction(async (tx) => {
    await steps.before?.(tx);
    const r = await settle(tx, {
      requestId: hold.requestId,
      actualMicroUsd: costMicroUsd,
      description: `${hold.model.id} (${hold.model.modality})`,
      usage: usageRecord({ keyId: hold.keyId, model: hold.model, units, status: outcome.status, latencyMs: outcome.latencyMs }),
    });
    await steps.after?.(tx, r);
    return r;
  });
  runAfterSettle(db, hold.accountId, result);
  return result;
}
