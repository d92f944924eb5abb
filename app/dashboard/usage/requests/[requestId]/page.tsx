import Link from "next/link";
import { notFound } from "next/navigation";
import { requireAccount } from "@/lib/auth/session";
import { formatUsd } from "@/lib/money";
import { getRequestDetail } from "@/lib/usage";
import { audioMinutes, formatInt, formatUnits, formatUtc } from "@/lib/usage/format";
import { StatusBadge } from "@/components/usage/request-log";

export const metadata = { title: "Request · Usage · Metered" };
export const dynamic = "force-dynamic";

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const usd6 = (micro: bigint) => formatUsd(micro, { decimals: 6 });

export default async function RequestDetailPage({ params }: { params: Promise<{ requestId: string }> }) {
  const { db, account } = await requireAccount();
  const { requestId } = await params;
  // Scoped to the session's account: another account's request id is simply not found,
  // indistinguishable from one that never existed.
  const detail = await getRequestDetail({ db, accountId: account.id, requestId: safeDecode(requestId) });
  if (!detail) notFound();
  const { event: e, ledgerEntry: le } = detail;
  const rows: [string, React.ReactNode, string?][] = [
    ["Request id", <code key="id">{e.requestId}</code>, "detail-request-id"],
    ["Time", formatUtc(e.createdAt), "detail-time"],
    ["API key", e.keyName ? `${e.keyName} (${e.keyId})` : e.keyId ?? "—", "detail-key"],
    ["Model", <code key="m">{e.model}</code>, "detail-model"],
    ["Modality", e.modality],
    ["Billed units", formatUnits(e), "detail-units"],
    ["Input tokens", formatInt(e.inputTokens)],
    ["Output tokens", formatInt(e.outputTokens)],
    ["Images", formatInt(e.images)],
    ["Video seconds", formatInt(e.videoSeconds)],
    ["Characters", formatInt(e.characters)],
    ["Audio", `${formatInt(e.audioMs)} ms (${audioMinutes(e.audioMs)} min)`],
    ["Cost", `${usd6(e.costMicroUsd)} (${e.costMicroUsd} micro-USD)`, "detail-cost"],
    ["Status", <StatusBadge key="s" row={e} />],
    ["Latency", `${formatInt(e.latencyMs)} ms`],
    ["Aborted by the client", e.aborted ? "yes" : "no", "detail-aborted"],
  ];
  return (
    <>
      <p><Link href="/dashboard/usage#requests">← Usage</Link></p>
      <h1>Request</h1>
      <div className="panel" data-testid="request-detail">
        <h2 style={{ marginTop: 0 }}>Usage event</h2>
        <table>
          <tbody>
            {rows.map(([label, value, testId]) => (
              <tr key={label}><th style={{ width: 220 }}>{label}</th><td data-testid={testId}>{value}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="panel" style={{ marginTop: 16 }} data-testid="ledger-entry">
        <h2 style={{ marginTop: 0 }}>Ledger entry</h2>
        {le ? (
          <table>
            <tbody>
              <tr><th style={{ width: 220 }}>Entry</th><td>#{le.id} · {le.kind}</td></tr>
              <tr><th>Amount</th><td data-testid="ledger-amount" data-micro-usd={String(le.amountMicroUsd)}>{usd6(le.amountMicroUsd)} ({le.amountMicroUsd} micro-USD)</td></tr>
              <tr><th>Balance after</th><td>{usd6(le.balanceAfterMicroUsd)}</td></tr>
              <tr><th>Reference</th><td><code>{le.reference}</code></td></tr>
              <tr><th>Description</th><td>{le.description}</td></tr>
              <tr><th>Posted</th><td>{formatUtc(le.createdAt)}</td></tr>
            </tbody>
          </table>
        ) : (
          <p className="muted" data-testid="no-ledger-entry">
            No ledger entry: this request was not charged ({usd6(e.costMicroUsd)}), so no money moved.
          </p>
        )}
      </div>
    </>
  );
}
