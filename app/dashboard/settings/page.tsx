import { and, eq } from "drizzle-orm";
import { billingAccounts } from "@/db/schema";
import { readBalance } from "@/lib/ledger";
import { requireAccount } from "@/lib/auth/session";
import { formatUsd } from "@/lib/money";
import { ResendVerification, SettingsForm } from "@/components/settings/settings-forms";
import { changeEmailAction, changePasswordAction, deleteAccountAction, resendVerificationAction, signOutEverywhereAction } from "./actions";

export const metadata = { title: "Account settings · Metered" };

export default async function SettingsPage({ searchParams }: { searchParams: Promise<{ changed?: string }> }) {
  // The user's own settings: every role, in any organization. What deleting forfeits is the
  // user's personal organization's credit, whichever organization the dashboard shows.
  const { db, userId, email, emailVerifiedAt } = await requireAccount();
  const { changed } = await searchParams;
  const [personal] = await db
    .select({ id: billingAccounts.id })
    .from(billingAccounts)
    .where(and(eq(billingAccounts.ownerUserId, userId), eq(billingAccounts.personal, true)));
  const balance = await readBalance(db, personal.id);
  return (
    <>
      <h1>Account settings</h1>
      {changed === "password" && (
        <p role="status" className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="password-changed">
          Password changed. Every other session was signed out.
        </p>
      )}

      <section className="rounded-lg border bg-card p-4 text-card-foreground" style={{ marginBottom: 16 }}>
        <h2 style={{ marginTop: 0 }}>Email address</h2>
        <p>
          <strong data-testid="settings-email">{email}</strong>{" "}
          {emailVerifiedAt ? <span className="text-muted-foreground">(verified)</span> : <span className="text-muted-foreground">(not verified yet)</span>}
        </p>
        {!emailVerifiedAt && <ResendVerification action={resendVerificationAction} />}
        <p className="text-muted-foreground">
          To change it, enter the new address and your password. It changes once you follow the link we send to the new address; the current address is told.
        </p>
        <SettingsForm
          testId="change-email"
          fields={[
            { name: "newEmail", label: "New email address", type: "email", autoComplete: "email" },
            { name: "currentPassword", label: "Current password", type: "password", autoComplete: "current-password" },
          ]}
          submit="Send confirmation link"
          action={changeEmailAction}
        />
      </section>

      <section className="rounded-lg border bg-card p-4 text-card-foreground" style={{ marginBottom: 16 }}>
        <h2 style={{ marginTop: 0 }}>Password</h2>
        <p className="text-muted-foreground">Changing it signs out every session, on every device; this browser stays signed in with the new one.</p>
        <SettingsForm
          testId="change-password"
          fields={[
            { name: "currentPassword", label: "Current password", type: "password", autoComplete: "current-password" },
            { name: "newPassword", label: "New password (at least 10 characters)", type: "password", autoComplete: "new-password", minLength: 10 },
          ]}
          submit="Change password"
          action={changePasswordAction}
        />
      </section>

      <section className="rounded-lg border bg-card p-4 text-card-foreground" style={{ marginBottom: 16 }}>
        <h2 style={{ marginTop: 0 }}>Sessions</h2>
        <p className="text-muted-foreground">
          Signed in on a computer you no longer use? End every session of your account, this one included. API keys are not affected.
        </p>
        <form action={signOutEverywhereAction}>
          <button
            type="submit"
            className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
            data-testid="sign-out-everywhere"
          >
            Sign out everywhere
          </button>
        </form>
      </section>

      <section className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="delete-account">
        <h2 style={{ marginTop: 0 }}>Delete account</h2>
        <p>Before you delete your account, know what happens:</p>
        <ul data-testid="delete-consequences">
          <li>
            <strong>Credit:</strong> your balance of <span data-testid="delete-balance">{formatUsd(balance.balanceMicroUsd)}</span> is forfeited. Free credit is
            never refunded. Credit you paid for is not refunded automatically: if you want unspent paid credit back, contact support before deleting.
          </li>
          <li>
            <strong>API keys:</strong> every key is revoked at once; requests with them fail from the next one, on every server.
          </li>
          <li>
            <strong>Sessions:</strong> you are signed out everywhere, and the account can no longer sign in.
          </li>
          <li>
            <strong>Data:</strong> your name and password are erased and your email address is released (you may sign up with it again, without a second free
            credit). Usage and billing records are kept as accounting records, under the account id only.
          </li>
        </ul>
        <SettingsForm
          testId="delete"
          fields={[
            { name: "password", label: "Your password", type: "password", autoComplete: "current-password" },
            { name: "confirm", label: "Type DELETE to confirm", type: "text" },
          ]}
          submit="Delete my account"
          action={deleteAccountAction}
          danger
        />
      </section>
    </>
  );
}
