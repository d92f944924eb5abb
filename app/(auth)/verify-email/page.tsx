import Link from "next/link";
import { SimpleForm } from "@/components/auth/simple-form";
import { verifyEmailAction } from "../actions";

export const metadata = { title: "Verify your email · Metered" };

// Verification is a button, not the GET of the link: mail scanners that open links ahead of
// the reader must not use up the single-use token.
export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token = "" } = await searchParams;
  return (
    <main className="px-4">
      <SimpleForm
        testId="verify-form"
        title="Verify your email address"
        intro={<p className="text-muted-foreground">Confirm that this address is yours to finish setting up your account.</p>}
        fields={[{ name: "token", label: "", type: "hidden", value: token }]}
        submit="Verify my email"
        action={verifyEmailAction}
        links={
          <p className="text-muted-foreground">
            <Link href="/login" data-testid="sign-in-link">
              Sign in
            </Link>
          </p>
        }
        after={
          <p>
            <Link href="/dashboard">Go to your dashboard</Link>
          </p>
        }
      />
    </main>
  );
}
