import { AuthForm } from "@/components/auth/auth-form";
import { signupAction } from "../actions";

export const metadata = { title: "Create account · Metered" };

export default function SignupPage() {
  return (
    <main className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6 sm:py-6">
      <AuthForm mode="signup" action={signupAction} />
    </main>
  );
}
