import Link from "next/link";
import { buttonVariants } from "@/components/ui/button";
import { requirePermission } from "@/lib/auth/session";
import { listKeysForDashboard } from "@/lib/api-keys/dashboard";
import { listProjects } from "@/lib/projects";
import { getCatalog } from "@/lib/catalog";
import { MODALITIES, MODALITY_NAMES } from "@/lib/catalog/types";
import { describePeriod, filtersToSearchParams, hasAnyUsage, parseUsageFilters, usageByKey, usageSummary } from "@/lib/usage";
import { ownUsageOnly } from "@/lib/usage/filters";
import {
  decodeLogCursor,
  encodeLogCursor,
  hasAnyRefusal,
  listRequestLog,
  LOG_STATUS_LABELS,
  LOG_STATUSES,
  parseLogStatus,
  statusTotals,
} from "@/lib/usage/request-log";
import { formatMoney } from "@/lib/money";
import { Card } from "@/components/ui/card";
import { buildChartData } from "@/lib/usage/series";
import { QuickStart } from "@/components/dashboard/quick-start";
import { RequestLogTable } from "@/components/usage/request-log";
import { UsageFiltersForm } from "@/components/usage/usage-filters";
import { KeyBreakdown, UsageTotals, ModelBreakdown } from "@/components/usage/usage-totals";
import { OtherUnitsCharts, RequestsChart, SpendChart, TokensChart } from "@/components/usage/usage-charts";

export const metadata = { title: "Usage · Metered" };
export const dynamic = "force-dynamic";

const PAGE_SIZE = 50;

export default async function UsagePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { db, account, userId, can } = await requirePermission("usage.own");
  const params = await searchParams;
  // usage.all sees the whole organization; usage.own only the usage of the keys this user
  // created: an extra condition in every query below, not a filter of what is shown.
  const seesAll = can("usage.all");
  const filters = ownUsageOnly(parseUsageFilters(params), { userId, seesAll });
  const status = parseLogStatus(params);
  const before = decodeLogCursor(typeof params.before === "string" ? params.before : null);
  // The account id comes from the session only; the filters can narrow, never widen.
  const [keys, projects, summary, byKey, log, byStatus] = await Promise.all([
    listKeysForDashboard(db, { accountId: account.id, createdBy: filters.createdBy }),
    listProjects(db, account.id),
    usageSummary({ db, accountId: account.id, filters }),
    usageByKey({ db, accountId: account.id, filters }),
    listRequestLog({ db, accountId: account.id, filters, status, cursor: before, limit: PAGE_SIZE }),
    // With a status filter the figures above the log count only the requests it lists.
    status === "all" ? null : statusTotals({ db, accountId: account.id, filters, status }),
  ]);
  const everUsed =
    summary.totals.requests > 0n ||
    log.rows.length > 0 ||
    (await hasAnyUsage({ db, accountId: account.id, scope: { createdBy: filters.createdBy } })) ||
    (await hasAnyRefusal({ db, accountId: account.id, createdBy: filters.createdBy }));

  const header = (
    <>
      <h1>Usage</h1>
      <p className="text-muted-foreground" data-testid="utc-note">
        All times and days on this page are in <strong>UTC</strong>: a day runs from 00:00 to 24:00 UTC.
        {!seesAll && <> It shows the usage of the API keys you created in this organization.</>}
      </p>
    </>
  );

  if (!everUsed) {
    return (
      <>
        {header}
        <div className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="usage-empty">
          <h2 className="mt-0">No requests yet</h2>
          <p>
            Your charts, request log and exports appear here after your first API call.{" "}
            {keys.length === 0 ? (
              <>
                Start by creating an <Link href="/dashboard/keys">API key</Link>, then:
              </>
            ) : (
              <>
                Use one of your <Link href="/dashboard/keys">API keys</Link>:
              </>
            )}
          </p>
          <QuickStart />
        </div>
      </>
    );
  }

  const models = [...new Set([...getCatalog().models.map((m) => m.id), ...summary.rows.map((r) => r.model), ...(filters.model ? [filters.model] : [])])].sort();
  const chart = buildChartData(summary, filters);
  const qs = filtersToSearchParams(filters);
  const logQs = filtersToSearchParams(filters, { status: status === "all" ? null : status });
  const exportHref = `/dashboard/usage/export?${qs}`;
  const empty = summary.totals.requests === 0n;

  return (
    <>
      {header}
      <UsageFiltersForm
        filters={filters}
        status={status}
        keys={keys.map((k) => ({ id: k.id, name: k.name, revoked: !!k.revokedAt }))}
        projects={projects.map((p) => ({ id: p.id, name: p.name }))}
        models={models}
        modalities={MODALITIES.map((m) => [m, MODALITY_NAMES[m]])}
        statuses={LOG_STATUSES.map((s) => [s, LOG_STATUS_LABELS[s]])}
      />
      <div className="my-4 flex flex-wrap items-center gap-3">
        <span className="text-muted-foreground" data-testid="period">
          {describePeriod(filters)}
        </span>
        <span className="flex-1" />
        <a href={exportHref} className={buttonVariants()} data-testid="export-csv" download>
          Export CSV
        </a>
      </div>
      {byStatus ? (
        <Card data-testid="status-totals">
          <h2 className="mt-0 text-base">{LOG_STATUS_LABELS[status]} requests in this period</h2>
          <p className="mb-0">
            <strong data-testid="status-requests">{byStatus.requests.toString()}</strong> requests
            {byStatus.refused > 0n && <> ({byStatus.refused.toString()} refused before any work)</>}, charged{" "}
            <strong data-testid="status-cost">{formatMoney(byStatus.costMicroUsd)}</strong>.{" "}
            <span className="text-muted-foreground">Charts and per-model breakdowns count every status: </span>
            <Link href={`/dashboard/usage?${qs}`}>show all statuses</Link>.
          </p>
        </Card>
      ) : (
        <UsageTotals totals={summary.totals} />
      )}

      {byStatus ? null : empty ? (
        <div className="mt-4 rounded-lg border bg-card p-4 text-card-foreground" data-testid="usage-none-in-period">
          <p>No requests match these filters in this period.</p>
          <p className="text-muted-foreground">
            Try a longer period, or <Link href="/dashboard/usage">reset the filters</Link>.
          </p>
        </div>
      ) : (
        <>
          <h2>Spend per {filters.bucket} by model</h2>
          <div className="rounded-lg border bg-card p-4 text-card-foreground">
            <SpendChart data={chart} />
          </div>
          <div className="mt-4 grid grid-cols-[repeat(auto-fit,minmax(min(420px,100%),1fr))] gap-4">
            <div className="rounded-lg border bg-card p-4 text-card-foreground">
              <div className="text-muted-foreground">Requests per {filters.bucket}</div>
              <RequestsChart data={chart} />
            </div>
            <div className="rounded-lg border bg-card p-4 text-card-foreground">
              <div className="text-muted-foreground">Input and output tokens per {filters.bucket}</div>
              <TokensChart data={chart} />
            </div>
          </div>
          <h2>Other modalities</h2>
          <OtherUnitsCharts data={chart} />
          <h2>By model</h2>
          <ModelBreakdown rows={summary.rows} totals={summary.totals} />
          <h2>By API key</h2>
          <KeyBreakdown rows={byKey} totals={summary.totals} />
        </>
      )}

      <h2 id="requests">Requests</h2>
      <p className="text-muted-foreground text-[13px]">
        Billed requests and requests refused before any work (400, 402, 404, 429 …; never charged). Filter by status above;{" "}
        {status === "all" ? (
          <Link href={`/dashboard/usage?${filtersToSearchParams(filters, { status: "failed" })}#requests`} data-testid="log-only-failed">
            show only failed requests
          </Link>
        ) : (
          <Link href={`/dashboard/usage?${qs}#requests`}>show all</Link>
        )}
        .
      </p>
      {log.rows.length === 0 ? (
        <p className="text-muted-foreground" data-testid="log-empty">
          {before ? "No older requests." : status === "all" ? "No requests in this period." : "No requests with this status in this period."}
        </p>
      ) : (
        <RequestLogTable rows={log.rows} />
      )}
      <div className="mt-3 flex gap-3" data-testid="log-pagination">
        {before && (
          <Link href={`/dashboard/usage?${logQs}#requests`} data-testid="log-newest">
            ← Newest
          </Link>
        )}
        {log.next && (
          <Link
            href={`/dashboard/usage?${filtersToSearchParams(filters, { status: status === "all" ? null : status, before: encodeLogCursor(log.next) })}#requests`}
            data-testid="log-older"
          >
            Older →
          </Link>
        )}
      </div>
    </>
  );
}
