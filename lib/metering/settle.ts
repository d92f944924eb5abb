import type { Db } from "@/db/client";
import type { ApiKeyPrincipal } from "@/lib/api-keys";
import type { CatalogModel } from "@/lib/catalog";
import { ApiError } from "@/lib/errors";
import { InsufficientCreditError, moveHoldOutOfLease, reservationTtlSeconds, reserve, settleQueued, type BatchSettleResult } from "@/lib/ledger";
import { microToUsdString } from "@/lib/money";
import type { ProviderTrace } from "@/lib/providers/upstream/routing";
import { runAfterSettle, trackSettleWork } from "./after-settle";
import type { LeaseHold } from "./credit-lease";
import { costMicroUsd, type Units } from "./cost";
import type { DeferredHold } from "./deferred";
import { trackPendingSettle } from "./pending-settles";
import { usageRecord, type UnitsSource } from "./usage";
import { observeSettle } from "@/lib/observability/request";

// A request's Meter, once its worst case is held (./open-meter.ts): it settles exactly once,
// to the actual cost of the units the model really produced, capped at the hold.

const usd = (micro: bigint) => `$${microToUsdString(micro)}`;

export type SettleInput = {
  units: Units;
  /** Where the units came from (usage event, and the answer's usage.cost_source): the provider's report unless said otherwise. */
  source?: UnitsSource;
  status?: string;
  httpStatus?: number;
  aborted?: boolean;
  errorCode?: string;
};
export type SettleOutcome = { costMicroUsd: bigint; chargedMicroUsd: bigint };

export class Meter {
  private done: Promise<SettleOutcome> | null = null;
  /**
   * Set when something other than the handler's return settles it (the wrapper then leaves
   * it alone): a streaming response that keeps this Meter, or work deferred past the
   * response with defer().
   */
  detached = false;
  /** Filled by upstream routing (lib/providers/upstream/routing.ts): recorded on the usage event. */
  readonly trace: ProviderTrace = { provider: null, attempts: 0 };
  /** Resolves when the settle has committed (or was given up after retries); null before settle(). */
  committed: Promise<BatchSettleResult | null> | null = null;

  constructor(
    private readonly db: Db,
    readonly requestId: string,
    readonly key: ApiKeyPrincipal,
    readonly model: CatalogModel,
    readonly reservedMicroUsd: bigint,
    private readonly startedAt: number,
    /**
     * When the reservation expires (Date.now() ms): a failing settle retries until then,
     * after which the sweeper releases the hold anyway (the request then goes unbilled,
     * logged). Settling after that is harmless: it finds no reservation and does nothing.
     */
    private readonly reservationExpiresAt: number = Date.now() + reservationTtlSeconds() * 1000,
    /** Set when the worst case is held inside the account's credit lease (lib/metering/credit-lease.ts), not by a reservation of its own. */
    private lease: LeaseHold | null = null,
  ) {}

  /**
   * Hands this request's hold to work that settles after the response (a video job),
   * possibly in another instance: the hold must then outlive this process's memory. A hold
   * inside a credit lease is moved out into a reservation row of its own (one statement;
   * the account's reserved credit does not change); a reservation row stays as it is. The
   * work then settles it through settleDeferred() (./deferred.ts), never through this
   * Meter. Why: a deferred job that settled by request id found no row for a lease-held
   * request, failed, and the lease kept its credit (issue 12).
   */
  async defer(): Promise<DeferredHold> {
    if (this.done) throw new Error(`${this.requestId}: a settled meter cannot be deferred`);
    const lease = this.lease;
    if (lease) {
      this.lease = null;
      const hold = { accountId: this.key.accountId, keyId: this.key.keyId, requestId: this.requestId, amountMicroUsd: this.reservedMicroUsd };
      let moved = false;
      try {
        moved = await moveHoldOutOfLease(this.db, { ...hold, leaseId: lease.leaseId });
      } finally {
        lease.movedOut(moved);
      }
      // The lease was swept meanwhile: hold it afresh (a 402 if the credit is gone).
      if (!moved) {
        await reserve(this.db, hold).catch((err) => {
          if (!(err instanceof InsufficientCreditError)) throw err;
          throw new ApiError(
            "insufficient_quota",
            `Insufficient credit: this request needs ${usd(this.reservedMicroUsd)} held until its work is done, and only ${usd(err.availableMicroUsd > 0n ? err.availableMicroUsd : 0n)} is available. Nothing was charged.`,
          );
        });
      }
    }
    this.detached = true;
    return {
      requestId: this.requestId,
      accountId: this.key.accountId,
      keyId: this.key.keyId,
      model: { id: this.model.id, modality: this.model.modality },
      reservedMicroUsd: this.reservedMicroUsd,
    };
  }

  get settled(): boolean {
    return this.done !== null;
  }

  /**
   * Charges the actual cost of `units` (capped at the reservation), releases the rest and
   * writes the request's one usage event. Idempotent: later calls return the first result.
   *
   * The charge is decided here, synchronously: cost(units), capped at the reservation, is
   * exactly what the settle statement debits (it caps at the same reservation), so the
   * answer can carry it without waiting. The statement itself commits AFTER the response:
   * it joins the account's settle queue (lib/ledger/settle-batch.ts), normally committing
   * within a millisecond or two of the answer, and retries if the database fails. Until it
   * commits, the reservation still holds the worst case, so nobody can spend that credit
   * twice; a crash before the commit leaves the reservation for the sweeper (the request
   * then goes unbilled, never over-billed). /v1/credits waits for the account's pending
   * settles, so a client always reads its own charges.
   */
  settle(input: SettleInput): Promise<SettleOutcome> {
    this.done ??= (() => {
      const cost = costMicroUsd(this.model, input.units);
      const charged = cost < this.reservedMicroUsd ? cost : this.reservedMicroUsd;
      // The hold is a true upper bound of what a provider can report (lib/providers/text/
      // prompt-bound.ts), so this cap only binds on a report beyond it: said, not silent.
      if (cost > this.reservedMicroUsd) {
        console.warn(
          `[api] ${this.requestId}: ${this.model.id} reported units costing ${cost} µ$, above the hold of ${this.reservedMicroUsd} µ$; charged the hold`,
        );
      }
      this.lease?.charge(charged);
      const commit = this.commit(input, cost).then((result) => {
        this.lease?.committed(result?.chargedMicroUsd ?? charged, result?.settled ?? false);
        return result;
      });
      this.committed = commit;
      trackSettleWork(trackPendingSettle(this.key.accountId, this.requestId, commit));
      observeSettle(this, input, { cost, charged, commit }); // metrics, span, request log (lib/observability)
      return Promise.resolve({ costMicroUsd: cost, chargedMicroUsd: charged });
    })();
    return this.done;
  }

  private async commit(input: SettleInput, cost: bigint): Promise<BatchSettleResult | null> {
    const settleInput = {
      ...(this.lease ? { leaseId: this.lease.leaseId, capMicroUsd: this.lease.worstMicroUsd } : {}),
      requestId: this.requestId,
      actualMicroUsd: cost,
      description: `${this.model.id} (${this.model.modality})`,
      usage: usageRecord({ ...input, keyId: this.key.keyId, model: this.model, latencyMs: performance.now() - this.startedAt, trace: this.trace }),
    };
    const giveUpAt = this.reservationExpiresAt;
    for (let attempt = 0; ; attempt++) {
      try {
        // Through the account's settle queue: alone it is settled at once; under load it
        // joins the account's next batched statement.
        const result = await settleQueued(this.db, this.key.accountId, settleInput);
        // Whoever reacts to settles (billing's auto top-up) does so through the hooks it
        // registered at start (./after-settle.ts), tracked, never delaying anyone.
        runAfterSettle(this.db, this.key.accountId, result);
        if (!result.settled && cost > 0n) {
          console.error(`[api] ${this.requestId}: its reservation was already released (swept?) when the settle committed; ${cost} µ$ not charged`);
        }
        return result;
      } catch (err) {
        // The statement is all-or-nothing and idempotent (a retry after a commit whose
        // answer was lost finds no reservation and does nothing), so retrying is safe.
        this.lease?.settleFailed();
        const wait = Math.min(100 * 2 ** attempt, 2_000);
        if (Date.now() + wait > giveUpAt) {
          console.error(`[api] ${this.requestId}: settle failed for good (the sweeper will release its reservation; ${cost} µ$ not charged)`, err);
          return null;
        }
        if (attempt === 0) console.error(`[api] ${this.requestId}: settle failed, retrying`, err);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** The model did no work: nothing is charged; the usage event records the failure. */
  release(input: { status: string; httpStatus: number; aborted?: boolean; errorCode?: string }) {
    return this.settle({ units: {}, ...input });
  }
}
