import Link from "next/link";
import { formatMoney } from "@/lib/money";
import { formatInt, formatUnits, formatUtc } from "@/lib/usage/format";
import type { RequestLogRow } from "@/lib/usage/queries";
import type { LogEntry } from "@/lib/usage/request-log";
import { StackTable } from "@/components/ui/table";

export function StatusBadge({ row }: { row: Pick<RequestLogRow, "status" | "httpStatus" | "aborted"> }) {
  const ok = row.httpStatus < 400 && !row.aborted;
  return (
    <span className={ok ? "text-success" : "text-destructive"} data-testid="log-status">
      {row.status} ({row.httpStatus})
    </span>
  );
}

const UNITS_FROM: Record<string, string> = { provider: "provider's count", estimate: "our estimate (no usage reported)" };

/** How a request was billed, and where its units came from (and which provider answered). */
export function BillingSource({ row }: { row: Pick<RequestLogRow, "billingState" | "unitsSource" | "provider"> }) {
  const from = row.unitsSource ? (UNITS_FROM[row.unitsSource] ?? row.unitsSource) : null;
  return (
    <span data-testid="log-billing" data-billing-state={row.billingState} data-units-source={row.unitsSource ?? ""}>
      {row.billingState}
      {from && row.billingState !== "free" ? <span className="text-muted-foreground"> · {from}</span> : null}
      {row.provider ? <span className="text-muted-foreground"> · {row.provider}</span> : null}
    </span>
  );
}

/** The request log: newest first, one page of a keyset-paginated query; refusals included. */
export function RequestLogTable({ rows }: { rows: LogEntry[] }) {
  return (
    <StackTable data-testid="request-log">
      <thead>
        <tr>
          <th>Time (UTC)</th>
          <th>Key</th>
          <th>Model</th>
          <th>Units</th>
          <th className="text-right">Cost</th>
          <th>Status</th>
          <th>Billing</th>
          <th className="text-right">Latency</th>
          <th>Aborted</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr
            key={`${r.source}:${r.id}`}
            data-testid="log-row"
            data-source={r.source}
            data-http-status={r.httpStatus}
            data-request-id={r.requestId}
            data-key-id={r.keyId ?? ""}
            data-cost-micro-usd={String(r.costMicroUsd)}
          >
            <td data-label="Time (UTC)" className="md:whitespace-nowrap">
              <Link href={`/dashboard/usage/requests/${encodeURIComponent(r.requestId)}`} data-testid="log-detail-link">
                {formatUtc(r.createdAt)}
              </Link>
            </td>
            <td data-label="Key" data-testid="log-key">
              {r.keyName ?? <span className="text-muted-foreground">{r.keyId ? "deleted key" : "—"}</span>}
            </td>
            <td data-label="Model" data-testid="log-model">
              {r.model ? (
                <code>{r.model}</code>
              ) : (
                <span className="text-muted-foreground" title={r.path ?? undefined}>
                  —
                </span>
              )}
            </td>
            <td data-label="Units" data-testid="log-units">
              {r.source === "refused" ? (
                <span className="text-muted-foreground">{r.count > 1 ? `${formatInt(r.count)} identical requests` : "refused before any work"}</span>
              ) : (
                formatUnits(r)
              )}
            </td>
            <td data-label="Cost" data-testid="log-cost" className="text-right font-mono">
              {formatMoney(r.costMicroUsd)}
            </td>
            <td data-label="Status">
              {r.source === "refused" ? (
                <span className="text-destructive" data-testid="log-status">
                  {r.code} ({r.httpStatus}){r.count > 1 ? ` ×${formatInt(r.count)}` : ""}
                </span>
              ) : (
                <StatusBadge row={r} />
              )}
            </td>
            <td data-label="Billing">
              <BillingSource row={r} />
            </td>
            <td data-label="Latency" className="text-right">
              {r.source === "refused" ? "—" : `${r.latencyMs.toLocaleString("en-US")} ms`}
            </td>
            <td data-label="Aborted" data-testid="log-aborted">
              {r.aborted ? <span className="text-destructive">yes</span> : <span className="text-muted-foreground">no</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </StackTable>
  );
}
