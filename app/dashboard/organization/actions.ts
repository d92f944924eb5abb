"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { currentAccount, type CurrentAccount } from "@/lib/auth/session";
import { emailOrigin } from "@/lib/email/links";
import { createOrganization, membershipRole, OrgError, renameOrganization } from "@/lib/orgs";
import { createInvite, resendInvite, revokeInvite } from "@/lib/orgs/invites";
import { changeMemberRole, removeMember } from "@/lib/orgs/members";
import { ForbiddenError, type Permission } from "@/lib/orgs/roles";
import { clearOrgCookie, setOrgCookie } from "./org-cookie";

// The organization's settings (issue 24): switch, create, rename, invite, roles, removal.
// Every action takes the organization from the session (the cookie the switcher sets, checked
// against membership on every request by lib/auth/session.ts), never from the form, and
// checks the role here; lib/orgs checks the role again under the organization's row lock.

export type OrgActionState = { ok: true; message: string } | { ok: false; error: string } | undefined;

const SESSION_ENDED = "Your session has ended. Sign in again.";
const MAIL_FAILED = "The invitation is saved, but its email could not be sent just now. Try “Resend” under Pending invitations in a minute.";

function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

/** The session, or a refusal in the action's answer shape when it has no `permission`. */
async function sessionWith(permission: Permission | null): Promise<{ error: string } | { session: CurrentAccount }> {
  const session = await currentAccount();
  if (!session) return { error: SESSION_ENDED };
  if (permission && !session.can(permission)) return { error: new ForbiddenError(permission).message };
  return { session };
}

/** Runs a lib/orgs call; its refusals (OrgError) become the form's error message. */
async function answer(run: () => Promise<string>): Promise<OrgActionState> {
  try {
    const message = await run();
    revalidatePath("/dashboard", "layout");
    return { ok: true, message };
  } catch (err) {
    if (err instanceof OrgError) return { ok: false, error: err.message };
    throw err;
  }
}

/** The dashboard shows `accountId` from now on, if the signed-in user is a member of it. */
export async function switchOrganizationAction(accountId: string): Promise<void> {
  const session = await currentAccount();
  if (!session) redirect("/login");
  if (typeof accountId === "string" && (await membershipRole(session.db, { accountId, userId: session.userId }))) {
    await setOrgCookie(accountId);
  }
  redirect("/dashboard");
}

export async function createOrganizationAction(_prev: OrgActionState, form: FormData): Promise<OrgActionState> {
  const s = await sessionWith(null); // anyone signed in and verified may create one
  if ("error" in s) return { ok: false, error: s.error };
  let accountId: string;
  try {
    ({ accountId } = await createOrganization(s.session.db, { userId: s.session.userId, name: field(form, "name") }));
  } catch (err) {
    if (err instanceof OrgError) return { ok: false, error: err.message };
    throw err;
  }
  await switchOrganizationAction(accountId); // redirects to the new organization's dashboard
}

export async function renameOrganizationAction(_prev: OrgActionState, form: FormData): Promise<OrgActionState> {
  const s = await sessionWith("org.manage");
  if ("error" in s) return { ok: false, error: s.error };
  return answer(async () => `Renamed to “${await renameOrganization(s.session.db, { accountId: s.session.account.id, name: field(form, "name") })}”.`);
}

export async function inviteMemberAction(_prev: OrgActionState, form: FormData): Promise<OrgActionState> {
  const s = await sessionWith("members.manage");
  if ("error" in s) return { ok: false, error: s.error };
  const origin = emailOrigin(await headers());
  return answer(async () => {
    const email = field(form, "email");
    const { sent } = await createInvite(s.session.db, {
      accountId: s.session.account.id,
      invitedByUserId: s.session.userId,
      email,
      role: field(form, "role"),
      origin,
    });
    if (!sent) throw new OrgError(MAIL_FAILED);
    return `Invitation sent to ${email.trim().toLowerCase()}. The link works once, for 7 days.`;
  });
}

export async function resendInviteAction(_prev: OrgActionState, form: FormData): Promise<OrgActionState> {
  const s = await sessionWith("members.manage");
  if ("error" in s) return { ok: false, error: s.error };
  const origin = emailOrigin(await headers());
  return answer(async () => {
    const { sent } = await resendInvite(s.session.db, { accountId: s.session.account.id, inviteId: field(form, "inviteId"), origin });
    if (!sent) throw new OrgError(MAIL_FAILED);
    return "Sent again with a new link; the previous link no longer works.";
  });
}

export async function revokeInviteAction(_prev: OrgActionState, form: FormData): Promise<OrgActionState> {
  const s = await sessionWith("members.manage");
  if ("error" in s) return { ok: false, error: s.error };
  return answer(async () => {
    if (!(await revokeInvite(s.session.db, { accountId: s.session.account.id, inviteId: field(form, "inviteId") }))) {
      throw new OrgError("That invitation is no longer pending.");
    }
    return "Invitation withdrawn: its link no longer works.";
  });
}

export async function changeRoleAction(_prev: OrgActionState, form: FormData): Promise<OrgActionState> {
  const s = await sessionWith("members.manage");
  if ("error" in s) return { ok: false, error: s.error };
  return answer(async () => {
    const role = await changeMemberRole(s.session.db, {
      accountId: s.session.account.id,
      actorUserId: s.session.userId,
      targetUserId: field(form, "userId"),
      role: field(form, "role"),
    });
    return `Role changed to ${role}.`;
  });
}

export async function removeMemberAction(_prev: OrgActionState, form: FormData): Promise<OrgActionState> {
  const s = await sessionWith("members.manage");
  if ("error" in s) return { ok: false, error: s.error };
  return answer(async () => {
    const revoked = await removeMember(s.session.db, { accountId: s.session.account.id, actorUserId: s.session.userId, targetUserId: field(form, "userId") });
    return `Member removed; ${revoked.length} key${revoked.length === 1 ? "" : "s"} they created here revoked.`;
  });
}

/** Leaves the current organization (not one's personal one); the dashboard goes back to the personal organization. */
export async function leaveOrganizationAction(_prev: OrgActionState): Promise<OrgActionState> {
  const s = await sessionWith("org.view");
  if ("error" in s) return { ok: false, error: s.error };
  try {
    await removeMember(s.session.db, { accountId: s.session.account.id, actorUserId: s.session.userId, targetUserId: s.session.userId });
  } catch (err) {
    if (err instanceof OrgError) return { ok: false, error: err.message };
    throw err;
  }
  await clearOrgCookie();
  redirect("/dashboard");
}
