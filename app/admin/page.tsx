import Link from "next/link";
import { formatDateTime } from "@/lib/format/date";
import { HeaderBar } from "@/components/site/header-bar";
import { forbidden } from "next/navigation";
import { requireAccount } from "@/lib/auth/session";
import { limiterStats } from "@/lib/ratelimit";
import { tierInfo } from "@/lib/ratelimit/tiers";
import { listPendingTierRequests } from "@/lib/tiers";
import { DecideButtons } from "@/components/tiers/decide-buttons";
import { EndSessionsForm } from "@/components/settings/end-sessions-form";
import { marginForRange } from "@/lib/billing/margin";
import { formatUsd } from "@/lib/money";
import { findOrganizations } from "@/lib/orgs/lookup";
import { ROLE_LABELS } from "@/lib/orgs/roles";
import { decideTierRequestAction, endUserSessionsAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Admin · Metered" };

// Only for ADMIN_EMAILS. Other signed-in users get a 403 page saying it is for
// administrators (app/forbidden.tsx); it shows nothing of the page's data.
export default async function AdminPage({ searchParams }: { searchParams: Promise<{ from?: string; to?: string; org?: string }> }) {
  const { db, isAdmin, email } = await requireAccount();
  if (!isAdmin) forbidden();
  const pending = await listPendingTierRequests(db);
  const params = await searchParams;
  const { from, to, report: margin, error: marginError } = await marginForRange(db, params);
  const orgQuery = typeof params.org === "string" ? params.org.slice(0, 320) : "";
  const orgs = orgQuery ? await findOrganizations(db, orgQuery) : [];
  const usd6 = (m: bigint | null, uncosted = 0) => (m === null ? `unknown (${uncosted} uncosted)` : formatUsd(m, { decimals: 6 }));
  const stats = limiterStats();
  return (
    <>
      <HeaderBar testId="admin-nav" home="/dashboard">
        <nav aria-label="Admin" className="flex flex-1 flex-wrap items-center gap-4">
          <Link href="/dashboard">Dashboard</Link>
          <span className="flex-1" />
          <span className="break-all text-muted-foreground">{email} (admin)</span>
        </nav>
      </HeaderBar>
      <main className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6 sm:py-6" data-testid="admin-page">
        <h1>Admin</h1>
        <h2>Tier requests</h2>
        {pending.length === 0 ? (
          <p className="text-muted-foreground" data-testid="no-tier-requests">
            No pending requests.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Requested</th>
                <th>Organization (requested by)</th>
                <th>Now → asks for</th>
                <th>Reason</th>
                <th>
                  <span className="sr-only">Decision</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pending.map((r) => (
                <tr key={r.id} data-testid="tier-request-row" data-email={r.email}>
                  <td className="text-muted-foreground">{formatDateTime(r.createdAt)}</td>
                  <td>
                    {r.email}
                    <div className="text-muted-foreground">
                      <code>{r.accountId}</code>
                    </div>
                  </td>
                  <td>
                    {tierInfo(r.currentTier).name} → {tierInfo(r.requestedTier).name}
                  </td>
                  <td style={{ whiteSpace: "pre-wrap", maxWidth: 360 }}>{r.reason}</td>
                  <td>
                    <DecideButtons requestId={r.id} action={decideTierRequestAction} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>Organizations</h2>
        <p className="text-muted-foreground">
          Money, tiers and keys belong to organizations. Find one by its id (<code>acct_…</code>), or every organization a user belongs to by their email.
        </p>
        <form method="get" data-testid="org-lookup">
          <label htmlFor="org-lookup-q">Member email or organization id</label>{" "}
          <input id="org-lookup-q" name="org" defaultValue={orgQuery} data-testid="org-lookup-q" /> <button type="submit">Find</button>
        </form>
        {orgQuery && orgs.length === 0 && (
          <p role="status" data-testid="org-lookup-none">
            No organization matches “{orgQuery}”.
          </p>
        )}
        {orgs.map((o) => (
          <section key={o.accountId} className="my-3 rounded-lg border bg-card p-4 text-card-foreground" data-testid="org-result" data-org-id={o.accountId}>
            <h3 className="mt-0">
              {o.name} {o.personal && <span className="text-muted-foreground">(personal)</span>}
            </h3>
            <p>
              <code>{o.accountId}</code> · tier {tierInfo(o.tier).name} · balance {formatUsd(o.balanceMicroUsd, { decimals: 6 })}
              {o.owedMicroUsd > 0n && <> · owes {formatUsd(o.owedMicroUsd, { decimals: 6 })} (frozen)</>}
            </p>
            <ul>
              {o.members.map((m) => (
                <li key={m.userId} data-testid="org-result-member">
                  {m.email} — {ROLE_LABELS[m.role]}
                </li>
              ))}
            </ul>
          </section>
        ))}
        <h2>Sessions</h2>
        <p className="text-muted-foreground">End every session of a user at once (a stolen laptop, a suspected break-in). Their API keys are not affected.</p>
        <EndSessionsForm action={endUserSessionsAction} />
        <h2>Margin</h2>
        <form method="get" data-testid="margin-form">
          <label>
            From <input type="date" name="from" defaultValue={from} />
          </label>{" "}
          <label>
            to <input type="date" name="to" defaultValue={to} />
          </label>{" "}
          <button type="submit">Show</button>
        </form>
        {marginError && (
          <p role="alert" data-testid="margin-error">
            {marginError}
          </p>
        )}
        {margin && (
          <table data-testid="margin-table">
            <thead>
              <tr>
                <th>Day (UTC)</th>
                <th>Model</th>
                <th>Provider</th>
                <th>Requests</th>
                <th>Revenue</th>
                <th>Provider cost</th>
                <th>Margin</th>
              </tr>
            </thead>
            <tbody>
              {margin.rows.map((r) => (
                <tr key={`${r.day} ${r.model} ${r.provider}`} data-testid="margin-row">
                  <td>{r.day}</td>
                  <td>{r.model}</td>
                  <td>{r.provider}</td>
                  <td>{r.requests}</td>
                  <td>{usd6(r.revenueMicroUsd)}</td>
                  <td>{usd6(r.providerCostMicroUsd)}</td>
                  <td>{usd6(r.marginMicroUsd, r.uncostedRequests)}</td>
                </tr>
              ))}
              <tr data-testid="margin-total">
                <th colSpan={3}>Total</th>
                <th>{margin.total.requests}</th>
                <th>{usd6(margin.total.revenueMicroUsd)}</th>
                <th>{usd6(margin.total.providerCostMicroUsd)}</th>
                <th>{usd6(margin.total.marginMicroUsd, margin.total.uncostedRequests)}</th>
              </tr>
            </tbody>
          </table>
        )}
        <h2>Rate limiter</h2>
        <p className="text-muted-foreground" data-testid="limiter-stats">
          Store: {stats.backend}. Decisions {stats.decisions}, refused {stats.refused}, decided by this instance alone because the store failed {stats.degraded}{" "}
          (failures {stats.failures}: {stats.timeouts} timeouts, {stats.errors} errors). Breaker {stats.breakerOpen ? "open" : "closed"}.
          {stats.lastError ? ` Last error: ${stats.lastError}` : ""}
        </p>
      </main>
    </>
  );
}
