"use server";

import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { getDb } from "@/db/client";
import { signIn, signOut } from "@/lib/auth";
import { authIpLimits, checkSignupIp, signupWouldCreate } from "@/lib/auth/ip-limits";
import { signUp } from "@/lib/auth/signup";
import { clientIp } from "@/lib/auth/throttle";

export type FormState = { error?: string; field?: string; email?: string } | undefined;

function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

async function signInOrExplain(email: string, password: string): Promise<FormState> {
  try {
    await signIn("credentials", { email, password, redirectTo: "/dashboard" });
  } catch (err) {
    if (err instanceof AuthError) {
      const code = (err as AuthError & { code?: string }).code;
      if (code === "too_many_attempts") {
        return { error: "Too many failed sign-in attempts. Wait 15 minutes and try again, or reset your password.", email };
      }
      if (code === "limits_unavailable") {
        return { error: "Sign-in is paused for a moment: the service that enforces our abuse limits is not answering. Try again in 30 seconds.", email };
      }
      if (code === "ip_rate_limited") {
        const perMinute = authIpLimits().signin.limit;
        return { error: `Too many sign-in attempts from your network (at most ${perMinute} a minute). Wait a minute and try again.`, email };
      }
      return { error: "Wrong email or password.", email };
    }
    throw err; // the redirect to /dashboard on success travels as an exception
  }
}

export async function signupAction(_prev: FormState, form: FormData): Promise<FormState> {
  const email = field(form, "email");
  const password = field(form, "password");
  const name = field(form, "name") || undefined;
  // Per-IP sign-up limit (lib/auth/ip-limits.ts); only forms that would create an account count.
  if (signupWouldCreate({ email, password, name })) {
    const verdict = await checkSignupIp(clientIp(await headers()));
    if (!verdict.allowed) return { error: verdict.message, email };
  }
  const result = await signUp(await getDb(), { email, password, name });
  if (!result.ok) return { error: result.message, field: result.field, email };
  return signInOrExplain(email, password);
}

export async function loginAction(_prev: FormState, form: FormData): Promise<FormState> {
  void (await headers()); // dynamic: never prerendered or cached
  return signInOrExplain(field(form, "email"), field(form, "password"));
}

export async function signOutAction() {
  await signOut({ redirectTo: "/login" });
}
