import { AuthForm } from "@/components/auth/auth-form";
import { loginAction } from "../actions";

export const metadata = { title: "Sign in · Metered" };

export default function LoginPage() {
  return (
    <main className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6 sm:py-6">
      <AuthForm mode="login" action={loginAction} />
    </main>
  );
}
