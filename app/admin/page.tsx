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
                <th>Account</th>
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
        <h2>Sessions</h2>
        <p className="text-muted-foreground">End every session of a user at once (a stolen laptop, a suspected break-in). Their API keys are not affected.</p>
        <EndSessionsForm action={endUserSessionsAction} />
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
