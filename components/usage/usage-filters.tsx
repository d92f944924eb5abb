import Link from "next/link";
import { MODALITIES, MODALITY_NAMES } from "@/lib/catalog/types";
import { filtersToSearchParams, RANGE_LABELS, RANGES, type UsageFilters } from "@/lib/usage/filters";
import { LOG_STATUS_LABELS, LOG_STATUSES, type LogStatus } from "@/lib/usage/request-log";
import { PeriodFields } from "./period-fields";

/**
 * The filters as a plain GET form: applying them changes the URL, so every view of the
 * usage page is a shareable link, and it works before any JavaScript has loaded.
 */
export function UsageFiltersForm({
  filters,
  status,
  keys,
  models,
}: {
  filters: UsageFilters;
  status: LogStatus;
  keys: { id: string; name: string; revoked: boolean }[];
  models: string[];
}) {
  return (
    <form method="get" action="/dashboard/usage" className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="usage-filters">
      <div style={{ display: "flex", gap: 8, flexWrap: "wrap", marginBottom: 8 }}>
        {RANGES.filter((r) => r !== "custom").map((r) => (
          <Link
            key={r}
            href={`/dashboard/usage?${filtersToSearchParams({ ...filters, range: r, fromDate: null, toDate: null }, { status: status === "all" ? null : status })}`}
            className="inline-block rounded-full border px-2 py-0.5 text-xs text-muted-foreground"
            data-testid={`range-${r}`}
            aria-current={filters.range === r ? "true" : undefined}
            style={filters.range === r ? { borderColor: "var(--accent)", color: "var(--accent)" } : undefined}
          >
            {RANGE_LABELS[r]}
          </Link>
        ))}
      </div>
      <div className="grid grid-cols-[repeat(auto-fit,minmax(min(220px,100%),1fr))] gap-4" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(150px, 1fr))", alignItems: "end" }}>
        <PeriodFields range={filters.range} fromDate={filters.fromDate} toDate={filters.toDate} />
        <div>
          <label htmlFor="f-key">API key</label>
          <select id="f-key" name="key" defaultValue={filters.keyId ?? ""} data-testid="filter-key">
            <option value="">All keys</option>
            {keys.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name}
                {k.revoked ? " (revoked)" : ""}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-model">Model</label>
          <select id="f-model" name="model" defaultValue={filters.model ?? ""} data-testid="filter-model">
            <option value="">All models</option>
            {models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-modality">Modality</label>
          <select id="f-modality" name="modality" defaultValue={filters.modality ?? ""} data-testid="filter-modality">
            <option value="">All modalities</option>
            {MODALITIES.map((m) => (
              <option key={m} value={m}>
                {MODALITY_NAMES[m]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-status">Status</label>
          <select id="f-status" name="status" defaultValue={status} data-testid="filter-status">
            {LOG_STATUSES.map((s) => (
              <option key={s} value={s}>
                {LOG_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div style={{ display: "flex", gap: 8 }}>
          <button type="submit" data-testid="apply-filters">
            Apply
          </button>
          <Link
            href="/dashboard/usage"
            className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 bg-primary text-primary-foreground hover:bg-primary/90 inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
            style={{ background: "transparent", color: "var(--text)", border: "1px solid var(--border)" }}
            data-testid="reset-filters"
          >
            Reset
          </Link>
        </div>
      </div>
    </form>
  );
}
