import { AuthForm } from "@/components/auth/auth-form";
import { loginAction } from "../actions";

export const metadata = { title: "Sign in · Metered" };

export default function LoginPage() {
  return (
    <main className="px-4">
      <AuthForm mode="login" action={loginAction} />
    </main>
  );
}
