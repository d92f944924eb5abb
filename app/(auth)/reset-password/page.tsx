import Link from "next/link";
import { SimpleForm } from "@/components/auth/simple-form";
import { resetPasswordAction } from "../actions";

export const metadata = { title: "Choose a new password · Metered" };

// The token stays in the page until the form is sent: opening the link changes nothing.
export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token = "" } = await searchParams;
  return (
    <main className="px-4">
      <SimpleForm
        testId="reset-form"
        title="Choose a new password"
        intro={<p className="text-muted-foreground">At least 10 characters. Every session of your account is signed out when you save it.</p>}
        fields={[
          { name: "token", label: "", type: "hidden", value: token },
          { name: "password", label: "New password", type: "password", autoComplete: "new-password", minLength: 10 },
        ]}
        submit="Save new password"
        action={resetPasswordAction}
        links={
          <p className="text-muted-foreground">
            <Link href="/login" data-testid="sign-in-link">
              Sign in
            </Link>
          </p>
        }
      />
    </main>
  );
}
