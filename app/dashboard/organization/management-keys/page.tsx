import Link from "next/link";
import { RevokeKeyButton } from "@/components/keys/revoke-key-button";
import { StackTable } from "@/components/ui/table";
import { requirePermission } from "@/lib/auth/session";
import { formatDateTime } from "@/lib/format/date";
import { MANAGEMENT_RATE_LIMIT_PER_MINUTE } from "@/lib/management/http";
import { listManagementKeys } from "@/lib/management/keys";
import { createManagementKeyAction, revokeManagementKeyAction } from "./actions";
import { CreateManagementKeyForm } from "./create-form";

export const metadata = { title: "Management keys · Metered" };

const when = (d: Date | null) => (d ? formatDateTime(d) : "never");

// Owners and admins only (management_keys.manage): others get the styled 403.
export default async function ManagementKeysPage() {
  const { db, account, emailVerifiedAt } = await requirePermission("management_keys.manage");
  const keys = await listManagementKeys(db, account.id);
  return (
    <>
      <h1>Management keys</h1>
      <p className="text-muted-foreground">
        Management keys (<code>sk-mt-admin-…</code>) call the <Link href="/docs/management-api">management API</Link> of {account.name}: create, limit, disable
        and delete its model keys, read its credits and usage ({MANAGEMENT_RATE_LIMIT_PER_MINUTE} requests per minute per key). They cannot call{" "}
        <code>/v1</code>, and model keys cannot call the management API.
      </p>
      {emailVerifiedAt ? (
        <CreateManagementKeyForm action={createManagementKeyAction} />
      ) : (
        <p data-testid="mkey-verify-first">Verify your email address to create management keys.</p>
      )}
      <h2>Keys of this organization</h2>
      {keys.length === 0 ? (
        <p className="text-muted-foreground" data-testid="no-mkeys">
          No management keys yet.
        </p>
      ) : (
        <StackTable data-testid="mkeys-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Created by</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Status</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-testid="mkey-row" data-key-id={k.id}>
                <td data-label="Name" className="font-medium">
                  {k.name}
                </td>
                <td data-label="Key">
                  <code>{k.start}…</code>
                </td>
                <td data-label="Created by">{k.createdBy ?? ""}</td>
                <td data-label="Created" className="md:whitespace-nowrap">
                  {when(k.createdAt)}
                </td>
                <td data-label="Last used" className="md:whitespace-nowrap">
                  {when(k.lastUsedAt)}
                </td>
                <td data-label="Status" data-testid="mkey-status">
                  {k.revokedAt ? `revoked ${when(k.revokedAt)}` : "active"}
                </td>
                <td data-label={k.revokedAt ? undefined : "Actions"}>
                  {!k.revokedAt && <RevokeKeyButton keyId={k.id} name={k.name} action={revokeManagementKeyAction} />}
                </td>
              </tr>
            ))}
          </tbody>
        </StackTable>
      )}
    </>
  );
}
