import { z } from "zod";
import type { Queryable } from "@/db/client";
import { createUserWithAccount, EmailTakenError, normalizeEmail } from "@/lib/accounts";
import { trySendEmail } from "@/lib/email";
import { absoluteUrl } from "@/lib/email/links";
import { emails } from "@/lib/email/templates";
import { hashPassword, passwordProblem } from "./password";
import { sendVerificationEmail } from "./verification";

export const signupSchema = z.object({
  email: z
    .string()
    .trim()
    .min(1, "Enter your email address.")
    .max(254, "That email address is too long.")
    .pipe(z.email("Enter a valid email address, like you@example.com.")),
  password: z.string().min(1, "Choose a password."),
  name: z.string().trim().max(100, "Name must be at most 100 characters.").optional(),
});

export type SignupResult =
  | { ok: true; email: string; message: string; /** for tests and logs only, never shown */ created: { userId: string; accountId: string } | null }
  | { ok: false; field?: "email" | "password" | "name"; message: string };

export type ValidSignup = { ok: true; email: string; password: string; name?: string };

/** The form's checks (address, password strength), shared with the operator CLI. */
export function validateSignup(input: unknown): ValidSignup | { ok: false; field?: "email" | "password" | "name"; message: string } {
  const parsed = signupSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, field: issue.path[0] as "email" | "password" | "name", message: issue.message };
  }
  const { email, password, name } = parsed.data;
  const problem = passwordProblem(password, email);
  if (problem) return { ok: false, field: "password", message: problem };
  return { ok: true, email, password, name };
}

/** What every accepted sign-up is told, new address or not. */
export function checkYourEmailMessage(email: string): string {
  return `Check your email: we sent a message to ${email}. Follow the link in it to verify your address (your $10.00 of free credit is added then), and sign in.`;
}

/** Runs work after the answer is sent (Next's `after()` in the server action). */
export type Defer = (task: () => Promise<unknown>) => void;

/**
 * Validates, then creates an unverified account and emails the verification link. An
 * address that already has an account gets the same answer (so the form does not reveal
 * which addresses are registered) and its owner an email saying so. Never throws on bad
 * input.
 *
 * With `defer` (the sign-up form), everything past validation (the password hash, the
 * account, the mail) runs after the answer, so a registered address and a new one answer
 * in the same time (tests/server/attacker-findings.test.ts): the hash alone is ~100 ms of
 * CPU whose duration swings with the machine's load, and the mail an SMTP round trip.
 * `created` is then null; the verification email is the proof the account exists.
 */
export async function signUp(db: Queryable, input: unknown, opts: { origin: string; defer?: Defer }): Promise<SignupResult> {
  const valid = validateSignup(input);
  if (!valid.ok) return valid;
  const address = normalizeEmail(valid.email);
  const answer = { ok: true as const, email: address, message: checkYourEmailMessage(address) };
  if (opts.defer) {
    opts.defer(() => register(db, valid, opts.origin));
    return { ...answer, created: null };
  }
  return { ...answer, created: await register(db, valid, opts.origin) };
}

/** The account and its mail; an address already registered gets a note instead (and null). */
async function register(db: Queryable, valid: ValidSignup, origin: string): Promise<{ userId: string; accountId: string } | null> {
  const address = normalizeEmail(valid.email);
  const passwordHash = await hashPassword(valid.password);
  let created: { userId: string; accountId: string };
  try {
    created = await createUserWithAccount(db, { email: valid.email, passwordHash, name: valid.name || null });
  } catch (err) {
    if (!(err instanceof EmailTakenError)) throw err;
    await trySendEmail(emails.signupExisting(address, absoluteUrl(origin, "/login"), absoluteUrl(origin, "/forgot-password")));
    return null;
  }
  await sendVerificationEmail(db, { userId: created.userId, email: address, origin });
  return created;
}
