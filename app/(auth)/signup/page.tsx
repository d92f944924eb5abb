import { AuthForm } from "@/components/auth/auth-form";
import { signupAction } from "../actions";

export const metadata = { title: "Create account · Metered" };

export default function SignupPage() {
  return (
    <main className="px-4">
      <AuthForm mode="signup" action={signupAction} />
    </main>
  );
}
