import Link from "next/link";
import { SimpleForm } from "@/components/auth/simple-form";
import { confirmEmailAction } from "../actions";

export const metadata = { title: "Confirm your new email · Metered" };

export default async function ConfirmEmailPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token = "" } = await searchParams;
  return (
    <main className="px-4">
      <SimpleForm
        testId="confirm-email-form"
        title="Confirm your new email address"
        intro={<p className="text-muted-foreground">Your account will sign in with this address from now on.</p>}
        fields={[{ name: "token", label: "", type: "hidden", value: token }]}
        submit="Confirm new address"
        action={confirmEmailAction}
        links={
          <p className="text-muted-foreground">
            <Link href="/login" data-testid="sign-in-link">
              Sign in
            </Link>
          </p>
        }
        after={
          <p>
            <Link href="/dashboard/settings">Account settings</Link>
          </p>
        }
      />
    </main>
  );
}
