"use server";

import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { after } from "next/server";
import { getDb } from "@/db/client";
import { auth, signIn, signOut } from "@/lib/auth";
import { confirmEmailChange } from "@/lib/auth/account-settings";
import { clientIp } from "@/lib/auth/client-ip";
import { TOKEN_TTL_MS } from "@/lib/auth/email-tokens";
import { authIpLimits, checkSignupIp, signupWouldCreate } from "@/lib/auth/ip-limits";
import { requestPasswordReset, RESET_REQUESTED_MESSAGE, resetPassword } from "@/lib/auth/password-reset";
import { signUp } from "@/lib/auth/signup";
import { verifyEmail } from "@/lib/auth/verification";
import { emailOrigin } from "@/lib/email/links";

/** Work for after the response (Next's after()); a failure is logged, the answer was already the same either way. */
function afterAnswer(task: () => Promise<unknown>): void {
  after(() => task().catch((err) => console.error("[auth] deferred work failed:", err)));
}

/** `link`: the next step, shown with the success message (SimpleForm). */
export type FormState = { error?: string; field?: string; email?: string; done?: string; link?: { href: string; label: string } } | undefined;

function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

async function signInOrExplain(email: string, password: string, redirectTo = "/dashboard"): Promise<FormState> {
  try {
    await signIn("credentials", { email, password, redirectTo });
  } catch (err) {
    if (err instanceof AuthError) {
      const code = (err as AuthError & { code?: string }).code ?? "";
      if (code.startsWith("too_many_attempts")) {
        const seconds = Number(code.split(":")[1]) || 1;
        return {
          error: `Too many failed sign-in attempts. Wait ${seconds} second${seconds === 1 ? "" : "s"} and try again, or reset your password with "Forgot your password?" below.`,
          email,
        };
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
  const h = await headers();
  // Per-IP sign-up limit (lib/auth/ip-limits.ts); only forms that would create an account
  // count (an address that is already registered counts the same: no difference to see).
  if (signupWouldCreate({ email, password, name })) {
    const verdict = await checkSignupIp(clientIp(h));
    if (!verdict.allowed) return { error: verdict.message, email };
  }
  // Mail goes after the answer, so a registered address and a new one answer alike in time.
  const result = await signUp(await getDb(), { email, password, name }, { origin: emailOrigin(h), defer: afterAnswer });
  if (!result.ok) return { error: result.message, field: result.field, email };
  return { done: result.message, email: result.email };
}

export async function loginAction(_prev: FormState, form: FormData): Promise<FormState> {
  void (await headers()); // dynamic: never prerendered or cached
  return signInOrExplain(field(form, "email"), field(form, "password"));
}

export async function signOutAction() {
  await signOut({ redirectTo: "/login" });
}

export async function forgotPasswordAction(_prev: FormState, form: FormData): Promise<FormState> {
  const email = field(form, "email").trim();
  if (!email) return { error: "Enter the email address of your account.", field: "email" };
  // All of it after the answer: whether the address has an account (and the mail it then
  // gets) must not show in how long the form takes.
  const [db, origin] = [await getDb(), emailOrigin(await headers())];
  afterAnswer(() => requestPasswordReset(db, { email, origin }));
  return { done: RESET_REQUESTED_MESSAGE, email };
}

export async function resetPasswordAction(_prev: FormState, form: FormData): Promise<FormState> {
  const result = await resetPassword(await getDb(), { token: field(form, "token"), password: field(form, "password") });
  if (!result.ok) return { error: result.message, field: result.field };
  // Every session ended with the reset; this browser signs in with the new password.
  return signInOrExplain(result.email, field(form, "password"));
}

export async function verifyEmailAction(_prev: FormState, form: FormData): Promise<FormState> {
  // Whose browser follows the link decides what survives it (lib/auth/verification.ts).
  const signedIn = await auth().catch(() => null);
  const result = await verifyEmail(await getDb(), field(form, "token"), new Date(), { sessionUserId: signedIn?.user?.id ?? null });
  if (!result.ok) return { error: result.message };
  const credit = result.freeCredit === "granted" ? "Your $10.00 of free credit is on your balance." : "Your dashboard explains your free credit.";
  if (result.setPasswordToken) return passwordToChoose(credit, result.setPasswordToken);
  return { done: `Your email address is verified. ${credit}` };
}

/**
 * Verified without the account's session: the password set at sign-up no longer works
 * (whoever signed the address up may not be the mailbox's owner), and the verifier chooses
 * one on the reset page with the single-use link the verification issued.
 */
function passwordToChoose(credit: string, token: string): FormState {
  const minutes = TOKEN_TTL_MS.reset_password / 60_000;
  return {
    done:
      `Your email address is verified. ${credit} Now choose a password: this browser was not signed in to the account, ` +
      `so the password it was created with no longer works (anyone can sign up an address, and it may not have been you). ` +
      `The button below works once, for ${minutes} minutes; after that, use "Forgot your password?" on the sign-in page.`,
    link: { href: `/reset-password?token=${encodeURIComponent(token)}`, label: "Choose your password" },
  };
}

export async function confirmEmailAction(_prev: FormState, form: FormData): Promise<FormState> {
  const result = await confirmEmailChange(await getDb(), { token: field(form, "token"), origin: emailOrigin(await headers()) });
  return result.ok ? { done: result.message } : { error: result.message };
}
