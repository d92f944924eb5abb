"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { buttonVariants } from "@/components/ui/button";
import type { UsageFilters } from "@/lib/usage/filters";
import type { LogStatus } from "@/lib/usage/request-log";
import { PeriodFields } from "./period-fields";

/** The query of a filters form: empty fields dropped; a custom period only once both dates are typed. */
export function filtersQuery(form: HTMLFormElement): URLSearchParams | null {
  const data = new FormData(form);
  const p = new URLSearchParams();
  for (const [k, v] of data.entries()) if (typeof v === "string" && v !== "" && !(k === "status" && v === "all")) p.set(k, v);
  if (p.get("range") === "custom" && !(p.get("from") && p.get("to"))) return null; // wait for the second date
  if (p.get("range") !== "custom") {
    p.delete("from");
    p.delete("to");
  }
  return p;
}

/**
 * The usage filters. Each change applies at once (the URL changes, so every view is a
 * shareable link); without JavaScript the form still submits as a plain GET.
 */
export function UsageFiltersForm({
  filters,
  status,
  keys,
  projects = [],
  models,
  modalities,
  statuses,
}: {
  filters: Pick<UsageFilters, "range" | "fromDate" | "toDate" | "keyId" | "model" | "modality"> & Partial<Pick<UsageFilters, "projectId">>;
  status: LogStatus;
  keys: { id: string; name: string; revoked: boolean }[];
  /** The organization's projects (issue 24): ?project=<id> narrows everything to that project's keys. */
  projects?: { id: string; name: string }[];
  models: string[];
  /** [value, label] pairs, from the server (lib/catalog, lib/usage/request-log are server modules). */
  modalities: [string, string][];
  statuses: [LogStatus, string][];
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  function apply(form: HTMLFormElement) {
    const q = filtersQuery(form);
    if (q) startTransition(() => router.replace(`/dashboard/usage?${q}`, { scroll: false }));
  }
  return (
    <form
      method="get"
      action="/dashboard/usage"
      className="rounded-lg border bg-card p-4 text-card-foreground"
      data-testid="usage-filters"
      aria-busy={pending}
      onChange={(e) => apply(e.currentTarget)}
      onSubmit={(e) => {
        e.preventDefault();
        apply(e.currentTarget);
      }}
    >
      <div className="grid grid-cols-[repeat(auto-fit,minmax(min(150px,100%),1fr))] items-end gap-3">
        <PeriodFields range={filters.range} fromDate={filters.fromDate} toDate={filters.toDate} />
        {projects.length > 0 && (
          <div>
            <label htmlFor="f-project">Project</label>
            <select id="f-project" name="project" defaultValue={filters.projectId ?? ""} data-testid="filter-project">
              <option value="">All projects</option>
              {projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        )}
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
            {modalities.map(([m, name]) => (
              <option key={m} value={m}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-status">Status</label>
          <select id="f-status" name="status" defaultValue={status} data-testid="filter-status">
            {statuses.map(([s, label]) => (
              <option key={s} value={s}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="flex items-center gap-2">
          <Link href="/dashboard/usage" className={buttonVariants({ variant: "outline" })} data-testid="reset-filters">
            Reset
          </Link>
          <span className="text-[13px] text-muted-foreground" aria-live="polite">
            {pending ? "Updating…" : ""}
          </span>
        </div>
      </div>
    </form>
  );
}
