"use server";

import { and, eq, ne, sql } from "drizzle-orm";
import { AuthError } from "next-auth";
import type { Queryable } from "@/db/client";
import { billingAccounts, organizationMembers } from "@/db/schema";
import { headers } from "next/headers";
import { signIn, signOut } from "@/lib/auth";
import { changePassword, deleteAccount, requestEmailChange, signOutEverywhere } from "@/lib/auth/account-settings";
import { currentAccount } from "@/lib/auth/session";
import { resendVerificationEmail } from "@/lib/auth/verification";
import { emailOrigin } from "@/lib/email/links";

export type SettingsState = { ok: true; message: string } | { ok: false; field?: string; error: string } | undefined;

const ENDED: SettingsState = { ok: false, error: "Your session has ended. Sign in again." };

function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

// Every action takes the user from the session, and every change asks for the current
// password again (lib/auth/account-settings.ts).

export async function changePasswordAction(_prev: SettingsState, form: FormData): Promise<SettingsState> {
  const s = await currentAccount();
  if (!s) return ENDED;
  const newPassword = field(form, "newPassword");
  const r = await changePassword(s.db, {
    userId: s.userId,
    currentPassword: field(form, "currentPassword"),
    newPassword,
    origin: emailOrigin(await headers()),
  });
  if (!r.ok) return { ok: false, field: r.field, error: r.message };
  // Every session ended, this one too; this browser signs in again with the new password.
  try {
    await signIn("credentials", { email: s.email, password: newPassword, redirectTo: "/dashboard/settings?changed=password" });
  } catch (err) {
    if (err instanceof AuthError) return { ok: true, message: `${r.message} Sign in again with your new password.` };
    throw err; // the redirect on success
  }
  return { ok: true, message: r.message };
}

export async function changeEmailAction(_prev: SettingsState, form: FormData): Promise<SettingsState> {
  const s = await currentAccount();
  if (!s) return ENDED;
  const r = await requestEmailChange(s.db, {
    userId: s.userId,
    currentPassword: field(form, "currentPassword"),
    newEmail: field(form, "newEmail"),
    origin: emailOrigin(await headers()),
  });
  return r.ok ? { ok: true, message: r.message } : { ok: false, field: r.field, error: r.message };
}

export async function signOutEverywhereAction(): Promise<void> {
  const s = await currentAccount();
  if (s) await signOutEverywhere(s.db, s.userId);
  await signOut({ redirectTo: "/login" });
}

/**
 * The shared (non-personal) organizations in which `userId` is the only owner. An
 * organization always keeps an owner (issue 24), so its last owner cannot delete their user.
 */
async function soleOwnerOf(db: Queryable, userId: string): Promise<string[]> {
  const others = db
    .select({ one: sql`1` })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.accountId, billingAccounts.id), eq(organizationMembers.role, "owner"), ne(organizationMembers.userId, userId)));
  const list = await db
    .select({ name: billingAccounts.name })
    .from(organizationMembers)
    .innerJoin(billingAccounts, eq(billingAccounts.id, organizationMembers.accountId))
    .where(
      and(eq(organizationMembers.userId, userId), eq(organizationMembers.role, "owner"), eq(billingAccounts.personal, false), sql`not exists (${others})`),
    );
  return list.map((r) => r.name);
}

// Settings are the user's own (password, email, deletion): every role may use them, in
// whichever organization the dashboard shows (role matrix: "user").

export async function deleteAccountAction(_prev: SettingsState, form: FormData): Promise<SettingsState> {
  const s = await currentAccount();
  if (!s) return ENDED;
  if (field(form, "confirm") !== "DELETE") return { ok: false, field: "confirm", error: "Type DELETE (in capitals) to confirm." };
  const sole = await soleOwnerOf(s.db, s.userId);
  if (sole.length) {
    const names = sole.map((n) => `“${n}”`).join(", ");
    return {
      ok: false,
      error: `You are the only owner of ${names}. Make another member an owner there first (organization settings), then delete your account; nothing was deleted.`,
    };
  }
  const r = await deleteAccount(s.db, { userId: s.userId, password: field(form, "password") });
  if (!r.ok) return { ok: false, field: r.field, error: r.message };
  await signOut({ redirectTo: "/?deleted=1" });
  return ENDED; // not reached: signOut redirects
}

export async function resendVerificationAction(_prev: SettingsState): Promise<SettingsState> {
  const s = await currentAccount();
  if (!s) return ENDED;
  const r = await resendVerificationEmail(s.db, { userId: s.userId, origin: emailOrigin(await headers()) });
  return r.ok ? { ok: true, message: r.message } : { ok: false, error: r.message };
}
