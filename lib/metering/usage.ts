import { providerCostMicroUsd } from "@/lib/billing/provider-cost";
import type { CatalogModel } from "@/lib/catalog";
import type { UsageRecord } from "@/lib/ledger";
import type { Units } from "./cost";

// The one place a request's outcome becomes its usage record (the ledger writes it in the
// settle: lib/ledger/usage-record.ts). Meters (answers settled in this process) and
// deferred work (video jobs, settled later, maybe by another instance) both come here.

export type UsageOutcome = {
  keyId: string | null;
  /** The catalog model (its configured `cost` gives the provider cost), or just its id and modality. */
  model: CatalogModel | { id: string; modality: string };
  units: Units;
  status?: string;
  httpStatus?: number;
  latencyMs: number;
  aborted?: boolean;
  /** Our error code when the request failed (e.g. provider_rate_limited). */
  errorCode?: string | null;
  /** Upstream models: the provider that served (or last failed) and how many were tried. */
  trace?: { provider: string | null; attempts: number };
  /** Where the units came from: the provider's report (default) or our estimate. */
  source?: UnitsSource;
};

export type UnitsSource = "provider" | "estimate";
export type BillingState = "billed" | "partial" | "free";

const hasUnits = (u: Units) => Object.values(u).some((v) => typeof v === "number" && v > 0);

/**
 * billed: the request ran to its end; partial: cut short (client gone, provider failed
 * mid-way), what was delivered is charged; free: released before any model work.
 */
export function billingState(o: Pick<UsageOutcome, "units" | "status" | "aborted">): BillingState {
  const ok = (o.status ?? "ok") === "ok";
  if (ok && !o.aborted) return "billed";
  return hasUnits(o.units) ? "partial" : "free";
}

export function usageRecord(o: UsageOutcome): UsageRecord {
  const u = o.units;
  return {
    keyId: o.keyId,
    model: o.model.id,
    modality: o.model.modality,
    inputTokens: u.inputTokens ?? 0,
    outputTokens: u.outputTokens ?? 0,
    images: u.images ?? 0,
    videoSeconds: u.videoSeconds ?? 0,
    characters: u.characters ?? 0,
    audioMs: u.audioMs ?? 0,
    status: o.status ?? "ok",
    httpStatus: o.httpStatus ?? 200,
    latencyMs: Math.max(0, Math.round(o.latencyMs)),
    aborted: o.aborted ?? false,
    cachedInputTokens: u.cachedInputTokens ?? 0,
    reasoningTokens: u.reasoningTokens ?? 0,
    provider: o.trace?.provider ?? null,
    providerAttempts: o.trace?.attempts ?? 0,
    errorCode: o.errorCode ?? null,
    providerCostMicroUsd: "pricing" in o.model ? providerCostMicroUsd(o.model, o.trace?.provider, u) : null,
    unitsSource: o.source ?? "provider",
    billingState: billingState(o),
  };
}
