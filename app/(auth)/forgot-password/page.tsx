import Link from "next/link";
import { SimpleForm } from "@/components/auth/simple-form";
import { forgotPasswordAction } from "../actions";

export const metadata = { title: "Forgot password · Metered" };

export default function ForgotPasswordPage() {
  return (
    <main className="px-4">
      <SimpleForm
        testId="forgot-form"
        title="Reset your password"
        intro={<p className="text-muted-foreground">Enter the address of your account and we will email you a link to choose a new password.</p>}
        fields={[{ name: "email", label: "Email", type: "email", autoComplete: "email" }]}
        submit="Email me a link"
        action={forgotPasswordAction}
        links={
          <p className="text-muted-foreground">
            <Link href="/login" data-testid="back-to-sign-in">
              Back to sign in
            </Link>
          </p>
        }
      />
    </main>
  );
}
