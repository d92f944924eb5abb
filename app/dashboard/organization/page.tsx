import Link from "next/link";
import { ActionForm } from "@/components/orgs/action-form";
import { Badge } from "@/components/ui/badge";
import { buttonVariants } from "@/components/ui/button";
import { Card, CardTitle } from "@/components/ui/card";
import { StackTable } from "@/components/ui/table";
import { requirePermission } from "@/lib/auth/session";
import { formatDateTime } from "@/lib/format/date";
import { listPendingInvites } from "@/lib/orgs/invites";
import { listMembers } from "@/lib/orgs/members";
import { ORG_ROLES, ROLE_LABELS, type OrgRole } from "@/lib/orgs/roles";
import {
  changeRoleAction,
  inviteMemberAction,
  leaveOrganizationAction,
  removeMemberAction,
  renameOrganizationAction,
  resendInviteAction,
  revokeInviteAction,
} from "./actions";

export const metadata = { title: "Organization · Metered" };

const ROLE_HELP: Record<OrgRole, string> = {
  owner: "everything, including other owners",
  admin: "members (not owners), every key, limits, projects",
  billing: "cards, top-ups, receipts, all usage",
  member: "their own keys and usage; sees the balance",
};

function RoleSelect({ id, name = "role", value, owner }: { id: string; name?: string; value?: OrgRole; owner: boolean }) {
  // Only owners grant `owner` (lib/orgs/members.ts refuses it anyway).
  const roles = ORG_ROLES.filter((r) => owner || r !== "owner" || r === value);
  return (
    <select id={id} name={name} defaultValue={value ?? "member"} data-testid={id}>
      {roles.map((r) => (
        <option key={r} value={r}>
          {ROLE_LABELS[r]}
        </option>
      ))}
    </select>
  );
}

export default async function OrganizationPage() {
  const { db, account, userId, role, can } = await requirePermission("org.view");
  const manage = can("members.manage");
  const isOwner = role === "owner";
  const [members, invites] = await Promise.all([can("members.view") ? listMembers(db, account.id) : [], manage ? listPendingInvites(db, account.id) : []]);
  const personalOwner = account.personal && account.ownerUserId === userId;
  return (
    <>
      <h1>Organization</h1>
      <Card className="mb-4" data-testid="org-summary">
        <CardTitle>
          <span data-testid="org-name">{account.name}</span> {account.personal && <Badge>personal</Badge>}
        </CardTitle>
        <p>
          Your role: <strong data-testid="org-role">{ROLE_LABELS[role]}</strong> ({ROLE_HELP[role]}).
        </p>
        <p className="text-muted-foreground">
          The organization owns the balance, the keys, the usage and the billing; its members share them according to their role.
        </p>
        {can("org.manage") && (
          <ActionForm action={renameOrganizationAction} testId="rename-org" submit="Rename" variant="outline" inline>
            <label htmlFor="rename-org-name" className="sr-only">
              Organization name
            </label>
            <input id="rename-org-name" name="name" defaultValue={account.name} maxLength={64} required data-testid="rename-org-name" />
          </ActionForm>
        )}
        <p className="mt-3 flex flex-wrap gap-2">
          <Link href="/dashboard/organization/new" className={buttonVariants({ variant: "outline", size: "sm" })} data-testid="new-org-link">
            Create organization
          </Link>
          {can("management_keys.manage") && (
            <Link
              href="/dashboard/organization/management-keys"
              className={buttonVariants({ variant: "outline", size: "sm" })}
              data-testid="management-keys-link"
            >
              Management API keys
            </Link>
          )}
        </p>
        {!personalOwner && <ActionForm action={leaveOrganizationAction} testId="leave-org" submit="Leave this organization" variant="destructive" inline />}
      </Card>

      {can("members.view") && (
        <Card className="mb-4">
          <CardTitle>Members</CardTitle>
          <StackTable data-testid="members-table">
            <thead>
              <tr>
                <th>Email</th>
                <th>Name</th>
                <th>Role</th>
                <th>Member since</th>
                {manage && (
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => {
                const touchable = manage && m.userId !== userId && (isOwner || m.role !== "owner");
                return (
                  <tr key={m.userId} data-testid="member-row" data-email={m.email}>
                    <td data-label="Email" className="break-all">
                      {m.email}
                    </td>
                    <td data-label="Name">{m.name || "—"}</td>
                    <td data-label="Role" data-testid="member-role">
                      {ROLE_LABELS[m.role]}
                    </td>
                    <td data-label="Member since">{formatDateTime(m.since)}</td>
                    {manage && (
                      <td data-label="Actions">
                        {touchable && (
                          <div className="flex flex-wrap gap-2">
                            <ActionForm action={changeRoleAction} testId={`role-${m.userId}`} submit="Change role" variant="outline" inline>
                              <input type="hidden" name="userId" value={m.userId} />
                              <label htmlFor={`role-select-${m.userId}`} className="sr-only">
                                Role of {m.email}
                              </label>
                              <RoleSelect id={`role-select-${m.userId}`} value={m.role} owner={isOwner} />
                            </ActionForm>
                            <ActionForm action={removeMemberAction} testId={`remove-${m.userId}`} submit="Remove" variant="destructive" inline>
                              <input type="hidden" name="userId" value={m.userId} />
                            </ActionForm>
                          </div>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </StackTable>
          {manage && <p className="text-muted-foreground">Removing a member revokes, at once, every API key they created in this organization.</p>}
        </Card>
      )}

      {manage && (
        <Card className="mb-4">
          <CardTitle>Invite a member</CardTitle>
          <p className="text-muted-foreground">We email a link that works once, for 7 days. To accept, they sign in (or sign up) with that address.</p>
          <ActionForm action={inviteMemberAction} testId="invite" submit="Send invitation">
            <div>
              <label htmlFor="invite-email">Email address</label>
              <input id="invite-email" name="email" type="email" required autoComplete="off" data-testid="invite-email" />
            </div>
            <div>
              <label htmlFor="invite-role">Role</label>
              <RoleSelect id="invite-role" owner={isOwner} />
            </div>
          </ActionForm>
          <h3>Pending invitations</h3>
          {invites.length === 0 ? (
            <p className="text-muted-foreground" data-testid="no-invites">
              None.
            </p>
          ) : (
            <StackTable data-testid="invites-table">
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Role</th>
                  <th>Expires</th>
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invites.map((i) => (
                  <tr key={i.id} data-testid="invite-row" data-email={i.email}>
                    <td data-label="Email" className="break-all">
                      {i.email}
                    </td>
                    <td data-label="Role">{ROLE_LABELS[i.role]}</td>
                    <td data-label="Expires">{formatDateTime(i.expiresAt)}</td>
                    <td data-label="Actions">
                      <div className="flex flex-wrap gap-2">
                        <ActionForm action={resendInviteAction} testId={`resend-${i.id}`} submit="Resend" variant="outline" inline>
                          <input type="hidden" name="inviteId" value={i.id} />
                        </ActionForm>
                        <ActionForm action={revokeInviteAction} testId={`revoke-${i.id}`} submit="Withdraw" variant="destructive" inline>
                          <input type="hidden" name="inviteId" value={i.id} />
                        </ActionForm>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </StackTable>
          )}
        </Card>
      )}
    </>
  );
}
