import Link from "next/link";
import { formatDateTime } from "@/lib/format/date";
import { notFound } from "next/navigation";
import { requirePermission } from "@/lib/auth/session";
import { getReceipt } from "@/lib/billing/receipts";
import { addressLines, taxIdLabel } from "@/lib/billing/details-validation";
import { getStripe } from "@/lib/billing/server";
import { formatMoney } from "@/lib/money";
import { PrintButton } from "@/components/billing/print-button";

export const metadata = { title: "Receipt · Billing · Metered" };
export const dynamic = "force-dynamic";

const when = formatDateTime;

export default async function ReceiptPage({ params }: { params: Promise<{ paymentIntentId: string }> }) {
  const { db, account } = await requirePermission("billing.view");
  const { paymentIntentId } = await params;
  // Scoped to the session's account: another account's payment id is simply not found.
  const r = await getReceipt(db, getStripe(), { accountId: account.id, paymentIntentId: decodeURIComponent(paymentIntentId) });
  if (!r) notFound();
  const brand = r.card ? r.card.brand[0].toUpperCase() + r.card.brand.slice(1) : null;
  return (
    <>
      <p className="no-print">
        <Link href="/dashboard/billing">← Billing</Link>
      </p>
      <article className="rounded-lg border bg-card p-4 text-card-foreground [&_th]:w-[200px]" data-testid="receipt">
        <h1>Receipt</h1>
        <p className="text-muted-foreground">Metered: prepaid credit for the model API</p>
        <table>
          <tbody>
            <tr>
              <th scope="row">Amount paid</th>
              <td data-testid="receipt-amount" data-micro-usd={String(r.amountMicroUsd)}>
                <strong>{formatMoney(r.amountMicroUsd)}</strong> (USD)
              </td>
            </tr>
            <tr>
              <th scope="row">Date</th>
              <td data-testid="receipt-date">{when(r.paidAt)}</td>
            </tr>
            <tr>
              <th scope="row">Paid with</th>
              <td data-testid="receipt-card">{r.card ? `${brand} •••• ${r.card.last4}` : "card (details unavailable)"}</td>
            </tr>
            <tr>
              <th scope="row">Billed to</th>
              <td data-testid="receipt-billed-to">
                {r.billedTo?.name && (
                  <span style={{ display: "block" }} data-testid="receipt-billed-name">
                    <strong>{r.billedTo.name}</strong>
                  </span>
                )}
                {r.billedTo?.address && (
                  <span style={{ display: "block" }} data-testid="receipt-billed-address">
                    {addressLines(r.billedTo.address).map((l, i) => (
                      <span key={i} style={{ display: "block" }}>
                        {l}
                      </span>
                    ))}
                  </span>
                )}
                {r.billedTo?.taxIds.map((t) => (
                  <span key={t.id} style={{ display: "block" }} data-testid="receipt-billed-tax-id">
                    {taxIdLabel(t)}
                  </span>
                ))}
                <span style={{ display: "block" }}>{r.accountEmail}</span>
                {r.billedToUnavailable && <span className="text-muted-foreground">(billing details could not be loaded)</span>}
              </td>
            </tr>
            <tr>
              <th scope="row">Account</th>
              <td data-testid="receipt-account">
                {r.accountEmail} <span className="text-muted-foreground">({r.accountId})</span>
              </td>
            </tr>
            <tr>
              <th scope="row">For</th>
              <td>{r.source === "auto" ? "Automatic top-up" : "Top-up"} of prepaid credit, spent per request at published rates</td>
            </tr>
            <tr>
              <th scope="row">Payment reference</th>
              <td>
                <code data-testid="receipt-reference">{r.paymentIntentId}</code>
              </td>
            </tr>
          </tbody>
        </table>
      </article>
      <p className="no-print">
        <PrintButton />
      </p>
    </>
  );
}
