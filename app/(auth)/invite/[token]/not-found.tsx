import Link from "next/link";
import { INVALID_INVITE_MESSAGE } from "@/lib/orgs/invites";

export default function InviteNotFound() {
  return (
    <main className="px-4">
      <div className="mx-auto my-10 w-full max-w-[420px] rounded-lg border bg-card p-5 text-card-foreground sm:my-16" data-testid="invite-invalid" role="alert">
        <h1>Invitation not valid</h1>
        <p>{INVALID_INVITE_MESSAGE}</p>
        <p>
          <Link href="/dashboard">Go to my dashboard</Link> · <Link href="/login">Sign in</Link>
        </p>
      </div>
    </main>
  );
}
