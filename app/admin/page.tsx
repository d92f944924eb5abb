import Link from "next/link";
import { forbidden } from "next/navigation";
import { requireAccount } from "@/lib/auth/session";
import { limiterStats } from "@/lib/ratelimit";
import { tierInfo } from "@/lib/ratelimit/tiers";
import { listPendingTierRequests } from "@/lib/tiers";
import { DecideButtons } from "@/components/tiers/decide-buttons";
import { EndSessionsForm } from "@/components/settings/end-sessions-form";
import { decideTierRequestAction, endUserSessionsAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Admin · Metered" };

// Only for ADMIN_EMAILS. Other signed-in users get a 403 page saying it is for
// administrators (app/forbidden.tsx); it shows nothing of the page's data.
export default async function AdminPage() {
  const { db, isAdmin, email } = await requireAccount();
  if (!isAdmin) forbidden();
  const pending = await listPendingTierRequests(db);
  const stats = limiterStats();
  return (
    <>
      <nav className="nav">
        <Link href="/dashboard" className="brand">
          Metered
        </Link>
        <Link href="/dashboard">Dashboard</Link>
        <span className="spacer" />
        <span className="muted">{email} (admin)</span>
      </nav>
      <main className="container" data-testid="admin-page">
        <h1>Admin</h1>
        <h2>Tier requests</h2>
        {pending.length === 0 ? (
          <p className="muted" data-testid="no-tier-requests">
            No pending requests.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Requested</th>
                <th>Account</th>
                <th>Now → asks for</th>
                <th>Reason</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {pending.map((r) => (
                <tr key={r.id} data-testid="tier-request-row" data-email={r.email}>
                  <td className="muted">{r.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC</td>
                  <td>
                    {r.email}
                    <div className="muted">
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
        <h2>Sessions</h2>
        <p className="muted">End every session of a user at once (a stolen laptop, a suspected break-in). Their API keys are not affected.</p>
        <EndSessionsForm action={endUserSessionsAction} />
        <h2>Rate limiter</h2>
        <p className="muted" data-testid="limiter-stats">
          Store: {stats.backend}. Decisions {stats.decisions}, refused {stats.refused}, decided by this instance alone because the store failed {stats.degraded}{" "}
          (failures {stats.failures}: {stats.timeouts} timeouts, {stats.errors} errors). Breaker {stats.breakerOpen ? "open" : "closed"}.
          {stats.lastError ? ` Last error: ${stats.lastError}` : ""}
        </p>
      </main>
    </>
  );
}
