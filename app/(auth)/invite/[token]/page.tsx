import Link from "next/link";
import { notFound } from "next/navigation";
import { SimpleForm } from "@/components/auth/simple-form";
import { Button } from "@/components/ui/button";
import { getDb } from "@/db/client";
import { currentAccount } from "@/lib/auth/session";
import { previewInvite } from "@/lib/orgs/invites";
import { ROLE_LABELS } from "@/lib/orgs/roles";
import { acceptInviteAction, inviteSignInAction, inviteSignOutAction } from "./actions";

export const metadata = { title: "Invitation · Metered" };
export const dynamic = "force-dynamic";

const CARD = "mx-auto my-10 w-full max-w-[420px] rounded-lg border bg-card p-5 text-card-foreground sm:my-16";

// The emailed invitation link (lib/orgs/invites.ts). A token that cannot be used (unknown,
// expired, used, withdrawn) is a 404 with one message for all, so the page tells nothing.
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = await previewInvite(await getDb(), token);
  if (!invite) notFound();
  const session = await currentAccount();
  const what = (
    <p>
      You are invited to join <strong data-testid="invite-org">{invite.organization}</strong> as{" "}
      <strong data-testid="invite-role">{ROLE_LABELS[invite.role]}</strong>. The invitation is for <strong data-testid="invite-email">{invite.email}</strong>.
    </p>
  );

  if (!session) {
    return (
      <main className="px-4">
        <SimpleForm
          testId="invite-signin"
          title="Accept the invitation"
          intro={
            <>
              {what}
              <p className="text-muted-foreground">Sign in as {invite.email} to accept it.</p>
            </>
          }
          fields={[
            { name: "token", label: "", type: "hidden", value: token },
            { name: "password", label: `Password of ${invite.email}`, type: "password", autoComplete: "current-password" },
          ]}
          submit="Sign in"
          action={inviteSignInAction}
          links={
            <p className="text-muted-foreground">
              No account yet? <Link href="/signup">Sign up with {invite.email}</Link>, verify the address with the link we email you, then open this invitation
              link again. · <Link href="/forgot-password">Forgot your password?</Link>
            </p>
          }
        />
      </main>
    );
  }

  if (session.email !== invite.email) {
    return (
      <main className="px-4">
        <div className={CARD} data-testid="invite-wrong-account">
          <h1>This invitation is for someone else</h1>
          {what}
          <p>
            You are signed in as <strong>{session.email}</strong>. Sign out, then sign in (or sign up) as {invite.email} to accept it.
          </p>
          <form action={inviteSignOutAction}>
            <input type="hidden" name="token" value={token} />
            <Button type="submit" variant="outline" data-testid="invite-sign-out">
              Sign out
            </Button>
          </form>
        </div>
      </main>
    );
  }

  return (
    <main className="px-4">
      <SimpleForm
        testId="invite-accept"
        title="Accept the invitation"
        intro={
          <>
            {what}
            {!session.emailVerifiedAt && <p className="text-destructive">Verify your email address first: follow the link we emailed you.</p>}
          </>
        }
        fields={[{ name: "token", label: "", type: "hidden", value: token }]}
        submit="Accept and open the organization"
        action={acceptInviteAction}
        links={
          <p className="text-muted-foreground">
            <Link href="/dashboard">Not now: back to my dashboard</Link>
          </p>
        }
      />
    </main>
  );
}
