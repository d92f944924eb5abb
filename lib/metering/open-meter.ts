import type { Db } from "@/db/client";
import type { ApiKeyPrincipal } from "@/lib/api-keys";
import { ownerEmailUnverified, SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import type { CatalogModel } from "@/lib/catalog";
import { ApiError } from "@/lib/errors";
import { InsufficientCreditError, reserve, reserveWithinLimits } from "@/lib/ledger";
import { formatUsd, microToUsdString } from "@/lib/money";
import { freeUnusedLeases, holdFromLease } from "./credit-lease";
import { affordableOutputTokens, costMicroUsd, type Units } from "./cost";
import { Meter } from "./settle";
import { periodEnd, periodStart, type SpendLimitPeriod } from "./spend-limits";
import { modelNotAllowedError, projectBudgetCheck } from "./project-limits";

// Reserve, then settle (docs/architecture.md, "The money path"). openMeter() runs every check that can refuse a
// request BEFORE any model work: the project's model allowlist, the per-request cap
// (max_cost), the project's monthly budget, the key's spend limit, and the account's spendable credit (ledger reserve, atomic). The returned Meter settles
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

export async function openMeter(input: OpenMeterInput): Promise<Meter> {
  const { db, key, model, requestId } = input;
  const worstMicroUsd = costMicroUsd(model, input.worstCase);
  const inputTokens = input.worstCase.inputTokens ?? 0;
  const isText = model.modality === "chat" || model.modality === "completion";

  // The project's allowlist (cached with the key): refused before anything is held.
  const project = key.project;
  if (project?.allowedModels && !project.allowedModels.includes(model.id)) throw modelNotAllowedError(project.name, model.id, project.allowedModels);

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
    if (key.spendLimitMicroUsd === null && !project?.budgeted) {
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
      // Race-safe project budget and per-key limit (the project row, then the key row, are
      // locked while their spends are summed and the hold taken: lib/ledger/project-budget.ts);
      // the budget and limit are the ones read under those locks.
      const reserveLimited = () =>
        reserveWithinLimits(
          db,
          { accountId: key.accountId, keyId: key.keyId, projectId: project?.budgeted ? key.projectId : null, requestId, amountMicroUsd: worstMicroUsd },
          {
            project: projectBudgetCheck(worstMicroUsd),
            key: async ({ limitMicroUsd, period }, spendSince) => {
              const spent = await spendSince(periodStart(period));
              if (spent.spentMicroUsd + worstMicroUsd > limitMicroUsd) throw keyLimitError(period, limitMicroUsd, spent.spentMicroUsd, worstMicroUsd);
            },
          },
        );
      try {
        await reserveLimited();
      } catch (err) {
        // As above: the organization's other keys may be hot on a lease of this instance.
        if (!(err instanceof InsufficientCreditError) || !(await freeUnusedLeases(db, key.accountId))) throw err;
        await reserveLimited();
      }
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
