import type { Db } from "@/db/client";
import type { ApiKeyPrincipal } from "@/lib/api-keys";
import { ownerEmailUnverified, SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import { ApiError } from "@/lib/api/errors";
import type { CatalogModel } from "@/lib/catalog";
import {
  InsufficientCreditError,
  moveHoldOutOfLease,
  reservationTtlSeconds,
  reserve,
  reserveWithinKeyLimit,
  settleQueued,
  type BatchSettleResult,
} from "@/lib/ledger";
import { formatUsd, microToUsdString } from "@/lib/money";
import { onShutdown, processSingleton } from "@/lib/process";
import { afterSettleIdle, runAfterSettle, trackSettleWork } from "./after-settle";
import { freeUnusedLeases, holdFromLease, releaseAllLeases, type LeaseHold } from "./credit-lease";
import { affordableOutputTokens, costMicroUsd, type Units } from "./cost";
import type { DeferredHold } from "./deferred";
import { periodEnd, periodStart, type SpendLimitPeriod } from "./spend-limits";
import { usageRecord } from "./usage";
import type { ProviderTrace } from "@/lib/providers/upstream/routing";

export { afterSettleIdle } from "./after-settle";

// Reserve, then settle (docs/architecture.md, "The money path"). openMeter() runs every check that can refuse a
// request BEFORE any model work: the per-request cap (max_cost), the key's spend limit,
// and the account's spendable credit (ledger reserve, atomic). The returned Meter settles
// exactly once, to the actual cost of the units the model really produced; the ledger
// caps the charge at the reservation, so a request can never cost more than its worst
// case, hence never more than max_cost.

const usd = (micro: bigint) => `$${microToUsdString(micro)}`;

export type OpenMeterInput = {
  db: Db;
  requestId: string;
  key: ApiKeyPrincipal;
  model: CatalogModel;
  /** The most this request can consume (text: input tokens + max_tokens output). */
  worstCase: Units;
  /** Per-request cap from `max_cost` / `x-max-cost`, micro-USD. */
  maxCostMicroUsd?: bigint | null;
  /** Absolute URL of the billing page, quoted in 402s. */
  billingUrl: string;
  /** Latency is measured from here (the wrapper's start). */
  startedAt?: number;
};

// Settles not yet committed, by account and by request: /v1/credits waits for its
// account's, so a client reads its own writes; tests wait for a request's. Process-wide
// (lib/process.ts): Next.js bundles each route handler separately, each with its own copy
// of this module, and /v1/credits must see the settles started by the other routes.
const { pendingByAccount, pendingByRequest } = processSingleton("metering.pendingSettles", () => ({
  pendingByAccount: new Map<string, Set<Promise<unknown>>>(),
  pendingByRequest: new Map<string, Promise<unknown>>(),
}));

// At shutdown: the settles of answers already sent commit first (they may end a lease's
// last use), then this instance's credit leases are given back.
onShutdown("metering", async () => {
  await afterSettleIdle();
  await releaseAllLeases();
});

/** Resolves once every settle of this account started in this process so far has committed (or given up). */
export async function settlesCommitted(accountId: string): Promise<void> {
  const pending = pendingByAccount.get(accountId);
  if (pending?.size) await Promise.all([...pending]);
}

/** The commit of one request's settle, if it is still pending in this process. */
export function settleCommitOf(requestId: string): Promise<unknown> | undefined {
  return pendingByRequest.get(requestId);
}

export type SettleInput = { units: Units; status?: string; httpStatus?: number; aborted?: boolean; errorCode?: string };
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
      this.lease?.charge(charged);
      const commit = this.commit(input, cost).then((result) => {
        this.lease?.committed(result?.chargedMicroUsd ?? charged, result?.settled ?? false);
        return result;
      });
      this.committed = commit;
      const accountId = this.key.accountId;
      let set = pendingByAccount.get(accountId);
      if (!set) pendingByAccount.set(accountId, (set = new Set()));
      const pending = set;
      const tracked: Promise<unknown> = commit.finally(() => {
        pending.delete(tracked);
        if (!pending.size && pendingByAccount.get(accountId) === pending) pendingByAccount.delete(accountId);
        pendingByRequest.delete(this.requestId);
      });
      pending.add(tracked);
      pendingByRequest.set(this.requestId, tracked);
      trackSettleWork(tracked);
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

export async function openMeter(input: OpenMeterInput): Promise<Meter> {
  const { db, key, model, requestId } = input;
  const worstMicroUsd = costMicroUsd(model, input.worstCase);
  const inputTokens = input.worstCase.inputTokens ?? 0;
  const isText = model.modality === "chat" || model.modality === "completion";

  if (input.maxCostMicroUsd != null && worstMicroUsd > input.maxCostMicroUsd) {
    const fit = isText ? affordableOutputTokens(model, inputTokens, input.maxCostMicroUsd) : 0;
    throw new ApiError(
      "max_cost_exceeded",
      `This request's worst-case cost is ${usd(worstMicroUsd)}, above its max_cost of ${usd(input.maxCostMicroUsd)}; nothing was charged.` +
        (isText ? (fit > 0 ? ` Set max_tokens to at most ${fit} to stay within max_cost.` : " Even the input alone costs more than max_cost.") : ""),
      { param: "max_cost" },
    );
  }

  try {
    if (key.spendLimitMicroUsd === null) {
      // A hot, well-funded account: the worst case is held inside this instance's credit
      // lease, no database round trip (lib/metering/credit-lease.ts).
      const hold = await holdFromLease(db, key.accountId, worstMicroUsd);
      if (hold) return new Meter(db, requestId, key, model, worstMicroUsd, input.startedAt ?? performance.now(), undefined, hold);
      try {
        await reserve(db, { accountId: key.accountId, keyId: key.keyId, requestId, amountMicroUsd: worstMicroUsd });
      } catch (err) {
        // Refused while this instance's own leases hold unused credit of the account: give
        // it back and try once more, so a lease never causes a 402 by itself.
        if (!(err instanceof InsufficientCreditError) || !(await freeUnusedLeases(db, key.accountId))) throw err;
        await reserve(db, { accountId: key.accountId, keyId: key.keyId, requestId, amountMicroUsd: worstMicroUsd });
      }
    } else {
      // Race-safe per-key limit (the key row is locked while its spend is summed and the
      // hold taken: lib/ledger/key-spend.ts); the limit is the one read under that lock.
      await reserveWithinKeyLimit(
        db,
        { accountId: key.accountId, keyId: key.keyId, requestId, amountMicroUsd: worstMicroUsd },
        async ({ limitMicroUsd, period }, spendSince) => {
          const spent = await spendSince(periodStart(period));
          if (spent.spentMicroUsd + worstMicroUsd > limitMicroUsd) throw keyLimitError(period, limitMicroUsd, spent.spentMicroUsd, worstMicroUsd);
        },
      );
    }
  } catch (err) {
    if (err instanceof InsufficientCreditError) {
      // An account whose owner never verified the address was never given the free credit:
      // the fix is to verify it, not to add a card (read only on this refusal path).
      const unverified = await ownerEmailUnverified(db, key.accountId);
      throw insufficientCreditError(input, err.availableMicroUsd, worstMicroUsd, unverified);
    }
    throw err;
  }
  return new Meter(db, requestId, key, model, worstMicroUsd, input.startedAt ?? performance.now());
}

function keyLimitError(period: SpendLimitPeriod, limit: bigint, spent: bigint, worst: bigint): ApiError {
  const resets = periodEnd(period);
  const what = period === "total" ? "total" : period;
  return new ApiError(
    "key_spend_limit_exceeded",
    `This API key has reached its ${what} spend limit of ${usd(limit)}: ${usd(spent)} spent or held` +
      (period === "total" ? "" : " this period (UTC)") +
      `, and this request could cost up to ${usd(worst)}. ` +
      (resets ? `The limit resets at ${resets.toISOString()}. ` : "") +
      "The account's credit is not the problem; raise the key's limit at /dashboard/keys or use another key.",
  );
}

function insufficientCreditError(input: OpenMeterInput, availableMicroUsd: bigint, worstMicroUsd: bigint, unverified: boolean): ApiError {
  const { model } = input;
  const available = availableMicroUsd > 0n ? availableMicroUsd : 0n;
  if (unverified && available === 0n) {
    return new ApiError(
      "insufficient_quota",
      `Insufficient credit: this account's email address is not verified yet, so it has no credit. Verify the address (follow the link we emailed you, ` +
        `or resend it from the dashboard's Settings page) to get ${formatUsd(SIGNUP_CREDIT_MICRO_USD)} of free credit, or add credit at ${input.billingUrl}. Nothing was charged.`,
    );
  }
  let hint = "";
  if (model.modality === "chat" || model.modality === "completion") {
    const inputTokens = input.worstCase.inputTokens ?? 0;
    const fit = affordableOutputTokens(model, inputTokens, available);
    hint =
      fit > 0
        ? ` Your balance covers at most max_tokens=${fit} for this input (you asked for ${input.worstCase.outputTokens ?? 0}).`
        : ` Your balance does not cover even the ${inputTokens} input tokens.`;
  }
  return new ApiError(
    "insufficient_quota",
    `Insufficient credit: your available balance is ${usd(available)} and this request's worst-case cost on ${model.id} is ${usd(worstMicroUsd)}.` +
      `${hint} Add credit at ${input.billingUrl} (top-ups from $5). Nothing was charged.`,
  );
}
