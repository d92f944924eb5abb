import { ScrollTable } from "@/components/ui/scroll-table";
import type { CatalogModel } from "@/lib/catalog";
import { priceLines, usdLabel } from "@/lib/catalog/public";
import { TIER_LIST } from "@/lib/ratelimit/tiers";

// Pieces of the catalog shown on the landing and pricing pages, rendered from the modules
// the biller and the limiter use.

/** A model's prices, one line per unit ("$0.15 per 1M input tokens"). */
export function PriceLines({ model }: { model: CatalogModel }) {
  return priceLines(model).map((p) => (
    <div key={p.unit}>
      <strong>{usdLabel(p.microUsd)}</strong> <span className="text-muted-foreground">{p.label}</span>
    </div>
  ));
}

/** The rate-limit tiers: requests per minute per key, and how an account gets each. */
export function TierTable({ testId }: { testId?: string }) {
  return (
    <ScrollTable label="Rate-limit tiers">
      <table data-testid={testId}>
        <thead>
          <tr>
            <th>Tier</th>
            <th>Requests per minute, per key</th>
            <th>How to get it</th>
          </tr>
        </thead>
        <tbody>
          {TIER_LIST.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{t.requestsPerMinute}</td>
              <td className="text-muted-foreground">{t.howToGet}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}
