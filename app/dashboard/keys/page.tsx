import { listApiKeys } from "@/lib/api-keys";
import { requireAccount } from "@/lib/auth/session";
import { CreateKeyForm } from "@/components/keys/create-key-form";
import { RevokeKeyButton } from "@/components/keys/revoke-key-button";
import { createKeyAction, revokeKeyAction } from "./actions";

export const metadata = { title: "API keys · Metered" };

const when = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 16) + " UTC" : "never");

export default async function KeysPage() {
  const { db, account } = await requireAccount();
  const keys = await listApiKeys(db, account.id);
  return (
    <>
      <h1>API keys</h1>
      <p className="muted">Send a key as <code>Authorization: Bearer sk-mt-…</code>. Each key has its own rate limit.</p>
      <CreateKeyForm action={createKeyAction} />
      <h2>Your keys</h2>
      {keys.length === 0 ? (
        <p className="muted" data-testid="no-keys">No keys yet. Create one above to make your first request.</p>
      ) : (
        <table data-testid="keys-table">
          <thead>
            <tr><th>Name</th><th>Key</th><th>Created</th><th>Last used</th><th>Status</th><th /></tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-testid="key-row" data-key-id={k.id}>
                <td>{k.name}</td>
                <td><code>{k.start}…</code></td>
                <td>{when(k.createdAt)}</td>
                <td>{when(k.lastUsedAt)}</td>
                <td data-testid="key-status">{k.revokedAt ? `revoked ${when(k.revokedAt)}` : "active"}</td>
                <td>{!k.revokedAt && <RevokeKeyButton keyId={k.id} name={k.name} action={revokeKeyAction} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
