"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import type { FormState } from "@/app/(auth)/actions";
import { getDb } from "@/db/client";
import { signIn, signOut } from "@/lib/auth";
import { currentAccount } from "@/lib/auth/session";
import { setOrgCookie } from "@/app/dashboard/organization/org-cookie";
import { acceptInvite, INVALID_INVITE_MESSAGE, invitePath, previewInvite } from "@/lib/orgs/invites";

// The invitation page's actions. Signing in here goes back to the invitation (the one
// redirect target, built from the token), not to the dashboard.

function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

/** Signs in as the invited address (the only one that may accept) and comes back to the invitation. */
export async function inviteSignInAction(_prev: FormState, form: FormData): Promise<FormState> {
  const token = field(form, "token");
  const invite = await previewInvite(await getDb(), token);
  if (!invite) return { error: INVALID_INVITE_MESSAGE };
  try {
    await signIn("credentials", { email: invite.email, password: field(form, "password"), redirectTo: invitePath(token) });
  } catch (err) {
    if (err instanceof AuthError) {
      const code = (err as AuthError & { code?: string }).code ?? "";
      if (code.startsWith("too_many_attempts") || code === "ip_rate_limited") return { error: "Too many sign-in attempts. Wait a minute and try again." };
      if (code === "limits_unavailable") return { error: "Sign-in is paused for a moment. Try again in 30 seconds." };
      return { error: `Wrong password for ${invite.email}.` };
    }
    throw err; // the redirect on success travels as an exception
  }
}

export async function inviteSignOutAction(form: FormData): Promise<void> {
  const token = field(form, "token");
  await signOut({ redirectTo: invitePath(token) });
}

/** Accepts for the signed-in user, then opens the organization's dashboard. */
export async function acceptInviteAction(_prev: FormState, form: FormData): Promise<FormState> {
  const session = await currentAccount();
  const token = field(form, "token");
  if (!session) redirect(invitePath(token));
  const result = await acceptInvite(session.db, { token, userId: session.userId });
  if (!result.ok) return { error: result.message };
  await setOrgCookie(result.accountId);
  redirect("/dashboard");
}
