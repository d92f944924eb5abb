import type { CatalogModel } from "@/lib/catalog";
import { costMicroUsd, type Units } from "@/lib/metering/cost";

// What a provider charges us for one request (issue 20 item 6): the units it reported × the
// `cost` configured for the model (lib/catalog/config.ts), the route's own cost for that
// provider first. The same arithmetic as our price (lib/metering/cost.ts: exact, rounded up
// once per request), so revenue and cost are comparable to the micro-dollar.

/** Null when no cost is configured for this model and provider (or the model is a simulator). */
export function providerCostMicroUsd(model: CatalogModel, provider: string | null | undefined, units: Units): bigint | null {
  if (model.simulator) return null;
  const cost = model.routes?.find((r) => r.provider === provider)?.cost ?? model.cost;
  if (!cost) return null;
  return costMicroUsd({ ...model, pricing: cost } as CatalogModel, units);
}
