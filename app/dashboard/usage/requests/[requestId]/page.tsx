import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePermission } from "@/lib/auth/session";
import { formatMoney } from "@/lib/money";
import { getRequestDetail } from "@/lib/usage";
import { getRefusedRequest, type RefusedRequest } from "@/lib/usage/request-log";
import { formatInt, formatUnits, formatUtc } from "@/lib/usage/format";
import { unitRows } from "@/lib/usage/detail-units";
import { BillingSource, StatusBadge } from "@/components/usage/request-log";

export const metadata = { title: "Request · Usage · Metered" };
export const dynamic = "force-dynamic";

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export default async function RequestDetailPage({ params }: { params: Promise<{ requestId: string }> }) {
  const { db, account, userId, can } = await requirePermission("usage.own");
  const { requestId } = await params;
  // Scoped to the session's organization (and, without usage.all, to the keys this user
  // created): any other request id is simply not found, like one that never existed.
  const id = safeDecode(requestId);
  const createdBy = can("usage.all") ? null : userId;
  const detail = await getRequestDetail({ db, accountId: account.id, requestId: id, createdBy });
  if (!detail) {
    const refused = await getRefusedRequest({ db, accountId: account.id, requestId: id, createdBy });
    if (!refused) notFound();
    return <RefusedDetail r={refused} />;
  }
  const { event: e, ledgerEntry: le } = detail;
  const rows: DetailRow[] = [
    ["Request id", <code key="id">{e.requestId}</code>, "detail-request-id"],
    ["Time", formatUtc(e.createdAt), "detail-time"],
    ["API key", e.keyName ? `${e.keyName} (${e.keyId})` : (e.keyId ?? "—"), "detail-key"],
    ["Project", e.projectName ?? "—", "detail-project"],
    ["Model", <code key="m">{e.model}</code>, "detail-model"],
    ["Modality", e.modality],
    ["Billed units", formatUnits(e), "detail-units"],
    // Only the unit types this request has (its modality's own, and any other it used).
    ...unitRows(e).map(([label, value, testId]): DetailRow => [label, value, testId]),
    ["Cost", `${formatMoney(e.costMicroUsd)} (${e.costMicroUsd} micro-USD)`, "detail-cost"],
    ["Status", <StatusBadge key="s" row={e} />],
    ["Billing", <BillingSource key="b" row={e} />, "detail-billing"],
    ["Provider", e.provider ?? "—", "detail-provider"],
    ["Latency", `${formatInt(e.latencyMs)} ms`],
    ["Aborted by the client", e.aborted ? "yes" : "no", "detail-aborted"],
  ];
  return (
    <>
      <p>
        <Link href="/dashboard/usage#requests">← Usage</Link>
      </p>
      <h1>Request</h1>
      <div className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="request-detail">
        <h2 className="mt-0">Usage event</h2>
        <DetailTable rows={rows} />
      </div>
      <div className="mt-4 rounded-lg border bg-card p-4 text-card-foreground" data-testid="ledger-entry">
        <h2 className="mt-0">Ledger entry</h2>
        {le ? (
          <table>
            <tbody>
              <tr>
                <th className="w-[40%] md:w-[220px]">Entry</th>
                <td>
                  #{le.id} · {le.kind}
                </td>
              </tr>
              <tr>
                <th>Amount</th>
                <td data-testid="ledger-amount" data-micro-usd={String(le.amountMicroUsd)}>
                  {formatMoney(le.amountMicroUsd)} ({le.amountMicroUsd} micro-USD)
                </td>
              </tr>
              <tr>
                <th>Balance after</th>
                <td>{formatMoney(le.balanceAfterMicroUsd)}</td>
              </tr>
              <tr>
                <th>Reference</th>
                <td>
                  <code>{le.reference}</code>
                </td>
              </tr>
              <tr>
                <th>Description</th>
                <td>{le.description}</td>
              </tr>
              <tr>
                <th>Posted</th>
                <td>{formatUtc(le.createdAt)}</td>
              </tr>
            </tbody>
          </table>
        ) : (
          <p className="text-muted-foreground" data-testid="no-ledger-entry">
            No ledger entry: this request was not charged ({formatMoney(e.costMicroUsd)}), so no money moved.
          </p>
        )}
      </div>
    </>
  );
}

type DetailRow = [label: string, value: React.ReactNode, testId?: string];

/** Label and value, one per row; on a phone the label sits above its value, which wraps (nothing cut). */
function DetailTable({ rows }: { rows: DetailRow[] }) {
  return (
    <table className="max-md:[&_td]:block max-md:[&_td]:pt-0 max-md:[&_th]:block max-md:[&_th]:border-0 max-md:[&_th]:pb-0 max-md:[&_tr]:block max-md:[&_tr]:border-b">
      <tbody>
        {rows.map(([label, value, testId]) => (
          <tr key={label}>
            <th scope="row" className="md:w-[220px]">
              {label}
            </th>
            <td data-testid={testId} className="break-words [overflow-wrap:anywhere]">
              {value}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A request refused before any credit was held: what was asked, and the error it got. */
function RefusedDetail({ r }: { r: RefusedRequest }) {
  const rows: DetailRow[] = [
    ["Request id", <code key="id">{r.requestId}</code>, "detail-request-id"],
    ["Time", r.count > 1 ? `${formatUtc(r.createdAt)} to ${formatUtc(r.lastAt)}` : formatUtc(r.createdAt), "detail-time"],
    ["Identical refusals", r.count > 1 ? `${formatInt(r.count)} (this is the first; each had its own request id)` : "1", "detail-count"],
    ["API key", r.keyName ? `${r.keyName} (${r.keyId})` : (r.keyId ?? "—"), "detail-key"],
    ["Endpoint", <code key="p">{`${r.method} ${r.path}`}</code>],
    ["Model", r.model ? <code key="m">{r.model}</code> : "—", "detail-model"],
    [
      "Status",
      <span key="s" className="text-destructive" data-testid="log-status">
        {r.httpStatus} {r.code}
      </span>,
      "detail-status",
    ],
    ["Error message", r.message, "detail-message"],
    ["Cost", "$0.00: refused before any credit was held; nothing charged, no ledger entry", "detail-cost"],
  ];
  return (
    <>
      <p>
        <Link href="/dashboard/usage?status=failed#requests">← Usage</Link>
      </p>
      <h1>Refused request</h1>
      <div className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="request-detail">
        <DetailTable rows={rows} />
      </div>
    </>
  );
}
