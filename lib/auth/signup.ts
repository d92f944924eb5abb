import { z } from "zod";
import type { Queryable } from "@/db/client";
import { createUserWithAccount, EmailTakenError } from "@/lib/accounts";
import { hashPassword, passwordProblem } from "./password";

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
  | { ok: true; userId: string; accountId: string }
  | { ok: false; field?: "email" | "password" | "name"; message: string };

/** Validates and creates an account (with its one-time $10 grant). Never throws on bad input. */
export async function signUp(db: Queryable, input: unknown): Promise<SignupResult> {
  const parsed = signupSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, field: issue.path[0] as "email" | "password" | "name", message: issue.message };
  }
  const { email, password, name } = parsed.data;
  const problem = passwordProblem(password, email);
  if (problem) return { ok: false, field: "password", message: problem };
  try {
    const created = await createUserWithAccount(db, { email, passwordHash: await hashPassword(password), name: name || null });
    return { ok: true, ...created };
  } catch (err) {
    if (err instanceof EmailTakenError) return { ok: false, field: "email", message: err.message };
    throw err;
  }
}
