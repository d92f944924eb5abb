import { requirePermission } from "@/lib/auth/session";
import { VerifyFirst } from "@/components/auth/verify-first";
import { formatDateTime, formatUtcDay } from "@/lib/format/date";
import {
  addressLines,
  countryOptions,
  BillingError,
  getAutoTopUp,
  getBillingDetails,
  ledgerHistory,
  listPaymentMethods,
  MAX_TOPUP_CENTS,
  MIN_TOPUP_CENTS,
  publicStripeConfig,
  recentPayments,
  taxIdLabel,
  type BillingDetails,
  type SavedCard,
} from "@/lib/billing";
import { getStripe } from "@/lib/billing/server";
import { readBalance } from "@/lib/ledger";
import { centsToMicro, formatMoney, formatUsd } from "@/lib/money";
import { budgetPeriod, listBudgetAlerts, monthSpendMicroUsd } from "@/lib/billing/budget-alerts";
import { BudgetAlerts } from "@/components/billing/budget-alerts";
import { BillingDetailsForm, type BillingDetailsValues } from "@/components/billing/billing-details-form";
import Link from "next/link";
import { addBudgetAlertAction, removeBudgetAlertAction, removeTaxIdAction, saveBillingDetailsAction } from "./actions";
import { BillingClient, type CardView } from "./billing-client";
import { BillingTabs } from "./billing-tabs";
import { ScrollTable } from "@/components/ui/scroll-table";

export const metadata = { title: "Billing · Metered" };
export const dynamic = "force-dynamic";

const when = formatDateTime;
const signed = (micro: bigint) => (micro > 0n ? "+" : "") + formatMoney(micro);
const KIND_LABEL = {
  grant: "Credit",
  topup: "Top-up",
  usage: "Usage",
  refund: "Refund",
  dispute: "Dispute",
  recovery: "Owed, paid back",
  adjustment: "Adjustment",
  expiry: "Free credit expired",
} as const;
const STATUS_LABEL = { succeeded: "Paid", failed: "Failed", requires_action: "Needs authentication", processing: "Processing", canceled: "Canceled" } as const;

export default async function BillingPage({ searchParams }: { searchParams: Promise<{ tab?: string }> }) {
  const { tab = "credit" } = await searchParams;
  // Cards, top-ups, auto top-up, alerts and billing details: owners and the billing role.
  const { db, account, emailVerifiedAt } = await requirePermission("billing.manage");
  const stripeConfig = publicStripeConfig();
  const [balance, autoTopUp, history, payments, alerts, monthSpend] = await Promise.all([
    readBalance(db, account.id),
    getAutoTopUp(db, account.id),
    ledgerHistory(db, account.id, { limit: 100 }),
    recentPayments(db, account.id, 10),
    listBudgetAlerts(db, account.id),
    monthSpendMicroUsd(db, account.id),
  ]);
  const period = budgetPeriod(new Date());
  // Cards and billing details are read from Stripe on every render (never stored here), both
  // at once; either failing shows its own message and leaves the rest of the page working.
  const stripeRead = async <T,>(read: () => Promise<T>, empty: T, what: string): Promise<{ value: T; error: string | null }> => {
    if (stripeConfig.mode === "off") return { value: empty, error: null };
    try {
      return { value: await read(), error: null };
    } catch (err) {
      if (err instanceof BillingError) return { value: empty, error: err.message };
      console.error(`[billing] reading ${what} failed:`, err);
      return { value: empty, error: `${what[0].toUpperCase()}${what.slice(1)} could not be loaded. Try again in a moment.` };
    }
  };
  const [{ value: cards, error: cardsError }, { value: details, error: detailsError }] = await Promise.all([
    stripeRead<SavedCard[]>(() => listPaymentMethods(db, getStripe(), account.id), [], "saved cards"),
    stripeRead<BillingDetails | null>(() => getBillingDetails(db, getStripe(), account.id), null, "billing details"),
  ]);
  const cardViews: CardView[] = cards.map((c) => {
    const exp = `${String(c.expMonth).padStart(2, "0")}/${String(c.expYear).slice(-2)}`;
    return { id: c.id, brand: c.brand, last4: c.last4, exp, label: `${c.brand[0].toUpperCase()}${c.brand.slice(1)} •••• ${c.last4} (exp. ${exp})` };
  });

  return (
    <>
      <h1 className="flex items-center gap-3">
        Billing
        {stripeConfig.mode === "emulator" && (
          <span className="inline-block rounded-full border border-warning px-2 py-0.5 text-xs font-normal text-warning" data-testid="test-mode">
            Test mode
          </span>
        )}
      </h1>
      {!emailVerifiedAt && <VerifyFirst />}
      {stripeConfig.mode === "emulator" && (
        <p className="text-muted-foreground" data-testid="test-mode-note">
          Payments go to the built-in Stripe test emulator; no real card is ever charged. Try 4242 4242 4242 4242 (succeeds), 4000 0000 0000 0002 (declined) or
          4000 0025 0000 3155 (asks for 3-D Secure), with any future expiry and any CVC.
        </p>
      )}

      <BillingTabs
        initial={tab}
        tabs={[
          {
            value: "credit",
            label: "Credit & cards",
            content: (
              <>
                {stripeConfig.mode === "off" ? (
                  <div className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="payments-not-configured">
                    <h2>Payments are not configured</h2>
                    <p>
                      This deployment takes no payments yet, so cards cannot be added and credit cannot be bought. Your balance is{" "}
                      <strong>{formatMoney(balance.balanceMicroUsd)}</strong>. Operators: set <code>STRIPE_SECRET_KEY</code>,{" "}
                      <code>NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY</code> and <code>STRIPE_WEBHOOK_SECRET</code> (see SECURITY.md).
                    </p>
                  </div>
                ) : (
                  <BillingClient
                    stripeConfig={stripeConfig}
                    balance={formatUsd(balance.balanceMicroUsd)}
                    cards={cardViews}
                    cardsError={cardsError}
                    minTopUp={formatUsd(centsToMicro(MIN_TOPUP_CENTS))}
                    maxTopUp={formatUsd(centsToMicro(MAX_TOPUP_CENTS))}
                    autoTopUp={{
                      enabled: autoTopUp?.enabled ?? false,
                      threshold: autoTopUp ? formatUsd(autoTopUp.thresholdMicroUsd).slice(1) : "5.00",
                      amount: autoTopUp ? formatUsd(autoTopUp.amountMicroUsd).slice(1) : "20.00",
                      paymentMethodId: autoTopUp?.paymentMethodId ?? null,
                      lastOutcome: autoTopUp?.lastOutcome ?? null,
                      lastMessage: autoTopUp?.lastMessage ?? null,
                      lastAttemptAt: autoTopUp?.lastAttemptAt ? when(autoTopUp.lastAttemptAt) : null,
                    }}
                  />
                )}
              </>
            ),
          },
          {
            value: "activity",
            label: "Payments & history",
            content: (
              <>
                {payments.length > 0 && (
                  <>
                    <h2>Recent payments</h2>
                    <ScrollTable label="Recent payments">
                      <table data-testid="payments-table">
                        <thead>
                          <tr>
                            <th>Date</th>
                            <th>Kind</th>
                            <th>Amount</th>
                            <th>Status</th>
                            <th>Receipt</th>
                          </tr>
                        </thead>
                        <tbody>
                          {payments.map((p) => (
                            <tr key={p.paymentIntentId} data-testid="payment-row" data-status={p.status}>
                              <td>{when(p.createdAt)}</td>
                              <td>{p.source === "auto" ? "Auto top-up" : "Top-up"}</td>
                              <td>{formatMoney(p.amountMicroUsd)}</td>
                              <td>
                                {STATUS_LABEL[p.status]}
                                {p.failureMessage && <span className="text-muted-foreground"> ({p.failureMessage})</span>}
                              </td>
                              <td>
                                {p.status === "succeeded" && (
                                  <Link href={`/dashboard/billing/receipts/${p.paymentIntentId}`} data-testid="receipt-link">
                                    Receipt
                                  </Link>
                                )}
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </ScrollTable>
                  </>
                )}

                <h2 className="mt-0">History</h2>
                {history.length === 0 ? (
                  <p className="text-muted-foreground">No activity yet.</p>
                ) : (
                  <ScrollTable label="Credit history">
                    <table data-testid="history-table">
                      <thead>
                        <tr>
                          <th>Date</th>
                          <th>Type</th>
                          <th>Description</th>
                          <th className="text-right">Amount</th>
                          <th className="text-right">Balance</th>
                        </tr>
                      </thead>
                      <tbody>
                        {history.map((h) => (
                          <tr key={h.id} data-testid="history-row" data-kind={h.kind}>
                            <td>{h.kind === "usage" && h.entries > 1 ? formatUtcDay(h.day) : when(h.at)}</td>
                            <td>{KIND_LABEL[h.kind]}</td>
                            <td>{h.description}</td>
                            <td className="text-right" data-testid="history-amount">
                              {signed(h.amountMicroUsd)}
                            </td>
                            <td className="text-right" data-testid="history-balance">
                              {formatUsd(h.balanceAfterMicroUsd)}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </ScrollTable>
                )}
              </>
            ),
          },
          {
            value: "alerts",
            label: "Budget alerts",
            content: (
              <BudgetAlerts
                alerts={alerts.map((a) => ({ id: a.id, threshold: formatMoney(a.thresholdMicroUsd), alertedThisMonth: a.alertedPeriod === period }))}
                spentThisMonth={formatMoney(monthSpend)}
                addAction={addBudgetAlertAction}
                removeAction={removeBudgetAlertAction}
              />
            ),
          },
          ...(stripeConfig.mode === "off"
            ? []
            : [
                {
                  value: "details",
                  label: "Billing details",
                  content: <BillingDetailsSection details={details} error={detailsError} />,
                },
              ]),
        ]}
      />
    </>
  );
}

/** Name, address and tax ID as Stripe has them, and the form to change them. */
function BillingDetailsSection({ details, error }: { details: BillingDetails | null; error: string | null }) {
  const a = details?.address;
  const tax = details?.taxIds[0];
  const initial: BillingDetailsValues = {
    name: details?.name ?? "",
    line1: a?.line1 ?? "",
    line2: a?.line2 ?? "",
    city: a?.city ?? "",
    postalCode: a?.postalCode ?? "",
    state: a?.state ?? "",
    country: a?.country ?? "",
    taxIdType: tax?.type ?? "",
    taxIdValue: tax?.value ?? "",
  };
  const lines = a ? addressLines(a) : [];
  return (
    <>
      <h2 id="billing-details-heading" className="mt-0">
        Billing details
      </h2>
      {error ? (
        <p
          className="mb-4 rounded-md border border-destructive px-3.5 py-2.5 text-destructive [&_a]:text-destructive"
          role="alert"
          data-testid="billing-details-error"
        >
          {error}
        </p>
      ) : (
        <div className="mb-4 rounded-lg border bg-card p-4 text-card-foreground" data-testid="billing-details-current">
          {!details?.name && lines.length === 0 && !tax ? (
            <p className="m-0 text-muted-foreground">
              No billing details yet. Receipts show your account email; add a name, address or tax ID below to show them instead.
            </p>
          ) : (
            <dl className="m-0">
              <dt className="text-muted-foreground">Name</dt>
              <dd data-testid="billing-details-name">{details?.name ?? "—"}</dd>
              <dt className="text-muted-foreground">Address</dt>
              <dd data-testid="billing-details-address">
                {lines.length === 0
                  ? "—"
                  : lines.map((l, i) => (
                      <span key={i} className="block">
                        {l}
                      </span>
                    ))}
              </dd>
              <dt className="text-muted-foreground">Tax ID</dt>
              <dd>
                {details!.taxIds.length === 0
                  ? "—"
                  : details!.taxIds.map((t) => (
                      <form key={t.id} action={removeTaxIdAction} className="m-0 flex items-center gap-2">
                        <span data-testid="billing-details-tax-id">{taxIdLabel(t)}</span>
                        {t.verification === "pending" && <span className="text-muted-foreground">(verification pending)</span>}
                        <input type="hidden" name="taxIdId" value={t.id} />
                        <button
                          type="submit"
                          className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
                          aria-label={`Remove tax ID ${t.value}`}
                          data-testid="billing-details-remove-tax-id"
                        >
                          Remove
                        </button>
                      </form>
                    ))}
              </dd>
            </dl>
          )}
        </div>
      )}
      {!error && <BillingDetailsForm initial={initial} action={saveBillingDetailsAction} countries={countryOptions()} />}
    </>
  );
}
