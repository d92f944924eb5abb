import { ApiError } from "@/lib/errors";
import type { Catalog, CatalogModel, ProviderConfig } from "@/lib/catalog";
import { processSingleton } from "@/lib/process";
import { CircuitBreaker } from "./breaker";
import { ProviderError } from "./client";
import { metricsSource } from "@/lib/observability/metrics";
import { observeProviderAttempt } from "@/lib/observability/request";

// Which provider serves a request (README.md, "Configuration for production": PROVIDERS): a model's providers are tried in
// the configured order; one that fails before anything reached our client (cannot be
// reached, times out before its first byte, answers 5xx or 429, refuses our credentials) is
// skipped for the next. A provider's refusal of the request itself (its 4xx) is final: the
// next provider would refuse it too. Nothing is retried once the client got a byte: the
// attempt function resolves only when the provider has started answering (streams: their
// first event), and what follows is the stream's own business.
//
// Providers whose breaker is open are tried last, not never: a breaker orders attempts but
// does not refuse a request alone.

/** Which provider served (or last failed) and how many providers were tried; on the usage event. */
export type ProviderTrace = { provider: string | null; attempts: number };

const breakers = processSingleton("provider-breakers", () => new Map<string, CircuitBreaker>());
metricsSource("breakers", () => [...breakers].map(([key, b]) => ({ provider: key.split("\u0000")[0], open: b.state === "open" }))); // metered_provider_breaker_open

export function breakerFor(provider: ProviderConfig): CircuitBreaker {
  const key = `${provider.id}\u0000${provider.baseUrl}\u0000${provider.breaker.failures}\u0000${provider.breaker.cooldownMs}`;
  let b = breakers.get(key);
  if (!b) breakers.set(key, (b = new CircuitBreaker(provider.breaker)));
  return b;
}

export async function routeToProviders<T>(
  catalog: Catalog,
  model: CatalogModel,
  trace: ProviderTrace,
  signal: AbortSignal,
  attempt: (provider: ProviderConfig, providerModel: string) => Promise<T>,
): Promise<T> {
  const routes = (model.routes ?? []).flatMap((r) => {
    const provider = catalog.providers.get(r.provider);
    return provider ? [{ provider, model: r.model, breaker: breakerFor(provider) }] : [];
  });
  if (!routes.length) throw new ApiError("service_unavailable", `No provider is configured for ${model.id}.`);
  const ready = routes.filter((r) => r.breaker.tryAcquire());
  const order = [...ready, ...routes.filter((r) => !ready.includes(r))];

  const failures: ProviderError[] = [];
  for (const r of order) {
    if (signal.aborted && failures.length) break;
    trace.attempts++;
    trace.provider = r.provider.id;
    try {
      const value = await observeProviderAttempt(r.provider.id, signal, () => attempt(r.provider, r.model));
      r.breaker.success();
      return value;
    } catch (err) {
      if (!(err instanceof ProviderError) || !err.retryable || signal.aborted) {
        // The provider answered (a 4xx about the request) or our client left: no verdict on the provider.
        if (err instanceof ProviderError && err.providerStatus !== null) r.breaker.success();
        else r.breaker.release();
        throw err;
      }
      r.breaker.failure();
      failures.push(err);
      if (order.length > 1)
        console.warn(`[upstream] ${r.provider.id} failed for ${model.id} (${err.code}${err.providerStatus ? ` HTTP ${err.providerStatus}` : ""})`);
    }
  }
  throw finalError(failures);
}

/**
 * No provider served: when any of them was over capacity, a 429 with the soonest Retry-After
 * (waiting helps); otherwise the last failure (502 provider failed / 504 timed out).
 */
function finalError(failures: ProviderError[]): ApiError {
  const limited = failures.filter((f) => f.code === "provider_rate_limited");
  if (!limited.length) return failures.at(-1)!;
  const waits = limited.map((f) => f.retryAfterSeconds).filter((s): s is number => s !== null);
  const retryAfter = waits.length ? Math.min(...waits) : 1;
  return new ProviderError(
    "provider_rate_limited",
    `The model's provider${failures.length > 1 ? "s are" : " is"} over capacity (HTTP 429). This is not your key's rate limit; retry after ${retryAfter} s. Nothing was charged.`,
    { retryable: false, retryAfterSeconds: retryAfter, headers: { "retry-after": String(retryAfter) }, providerStatus: 429 },
  );
}
