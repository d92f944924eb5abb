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

/** Runs work after the answer is sent (Next's `after()` in the server action); by default, at once. */
export type Defer = (task: () => Promise<unknown>) => void;

/**
 * Validates and creates an unverified account, and emails the verification link. An
 * address that already has an account gets the same answer (so the form does not reveal
 * which addresses are registered) and its owner an email saying so. The two take the same
 * time: the password is hashed either way, and the mail (the slow, differing part: an SMTP
 * round trip) goes through `defer`, after the answer (tests/server/enumeration-timing.test.ts).
 * Never throws on bad input.
 */
export async function signUp(db: Queryable, input: unknown, opts: { origin: string; defer?: Defer }): Promise<SignupResult> {
  const valid = validateSignup(input);
  if (!valid.ok) return valid;
  const { email, password, name } = valid;
  const passwordHash = await hashPassword(password);
  const address = normalizeEmail(email);
  const answer = { ok: true as const, email: address, message: checkYourEmailMessage(address) };
  const later = (task: () => Promise<unknown>) => (opts.defer ? (opts.defer(task), undefined) : task());
  let created: { userId: string; accountId: string };
  try {
    created = await createUserWithAccount(db, { email, passwordHash, name: name || null });
  } catch (err) {
    if (!(err instanceof EmailTakenError)) throw err;
    await later(() => trySendEmail(emails.signupExisting(address, absoluteUrl(opts.origin, "/login"), absoluteUrl(opts.origin, "/forgot-password"))));
    return { ...answer, created: null };
  }
  await later(() => sendVerificationEmail(db, { userId: created.userId, email: address, origin: opts.origin }));
  return { ...answer, created };
}
