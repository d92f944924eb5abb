import { listKeysForDashboard } from "@/lib/api-keys/dashboard";
import { formatDateTime } from "@/lib/format/date";
import { requirePermission } from "@/lib/auth/session";
import { listProjects } from "@/lib/projects";
import { keySpentMicroUsd } from "@/lib/metering/spend-limits";
import { formatMoney, microToUsdString } from "@/lib/money";
import { spendByKey } from "@/lib/usage/by-key";
import { CreateKeyForm } from "@/components/keys/create-key-form";
import { VerifyFirst } from "@/components/auth/verify-first";
import { KeySettings } from "@/components/keys/key-settings";
import { RevokeKeyButton } from "@/components/keys/revoke-key-button";
import { createKeyAction, renameKeyAction, revokeKeyAction, setKeyLimitAction } from "./actions";
import { StackTable } from "@/components/ui/table";

export const metadata = { title: "API keys · Metered" };

const when = (d: Date | null) => (d ? formatDateTime(d) : "never");
const PERIOD_LABEL = { daily: "per day", weekly: "per week", monthly: "per month", total: "in total" } as const;

export default async function KeysPage() {
  const { db, account, emailVerifiedAt, userId, can } = await requirePermission("keys.own");
  // keys.manage sees (and acts on) every key of the organization; keys.own only the keys
  // this user created (the actions check the same).
  const all = can("keys.manage");
  const [keys, spend, projects] = await Promise.all([
    listKeysForDashboard(db, { accountId: account.id, createdBy: all ? null : userId }),
    spendByKey({ db, accountId: account.id }),
    listProjects(db, account.id),
  ]);
  // What each limited key has used of its limit in the current period (settled + in flight),
  // by the function the limit is enforced with.
  const used = new Map(
    await Promise.all(
      keys
        .filter((k) => k.spendLimitPeriod && !k.revokedAt)
        .map(async (k) => [k.id, (await keySpentMicroUsd(db, { keyId: k.id, period: k.spendLimitPeriod! })).spentMicroUsd] as const),
    ),
  );
  return (
    <>
      <h1>API keys</h1>
      <p className="text-muted-foreground">
        Send a key as <code>Authorization: Bearer sk-mt-…</code>. Each key has its own rate limit and can have its own spend limit.
      </p>
      {emailVerifiedAt ? <CreateKeyForm action={createKeyAction} projects={projects.map((p) => ({ id: p.id, name: p.name }))} /> : <VerifyFirst />}
      <h2>{all ? "The organization's keys" : "Your keys"}</h2>
      {keys.length === 0 ? (
        <p className="text-muted-foreground" data-testid="no-keys">
          No keys yet. Create one above to make your first request.
        </p>
      ) : (
        <StackTable data-testid="keys-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Project</th>
              {all && <th>Created by</th>}
              <th>Created</th>
              <th>Last used</th>
              <th>Spend today</th>
              <th>This month</th>
              <th>Spend limit</th>
              <th>Status</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => {
              const s = spend.get(k.id);
              const limit = k.spendLimitMicroUsd;
              return (
                <tr key={k.id} data-testid="key-row" data-key-id={k.id}>
                  <td data-label="Name" data-testid="key-name-cell" className="font-medium">
                    {k.name}
                  </td>
                  <td data-label="Key">
                    <code>{k.start}…</code>
                  </td>
                  <td data-label="Project" data-testid="key-project-cell">
                    {k.projectName ?? <span className="text-muted-foreground">none</span>}
                  </td>
                  {all && (
                    <td data-label="Created by" data-testid="key-created-by" className="break-all">
                      {k.createdByUserId === userId ? "you" : (k.createdByEmail ?? "a former member")}
                    </td>
                  )}
                  <td data-label="Created" data-testid="key-created" className="md:whitespace-nowrap">
                    {when(k.createdAt)}
                  </td>
                  <td data-label="Last used" data-testid="key-last-used" className="md:whitespace-nowrap">
                    {when(k.lastUsedAt)}
                  </td>
                  <td data-label="Spend today" data-testid="key-spend-today">
                    {formatMoney(s?.todayMicroUsd ?? 0n)}
                  </td>
                  <td data-label="This month" data-testid="key-spend-month">
                    {formatMoney(s?.monthMicroUsd ?? 0n)}
                  </td>
                  <td data-label="Spend limit" data-testid="key-limit">
                    {limit === null || !k.spendLimitPeriod ? (
                      <span className="text-muted-foreground">none</span>
                    ) : (
                      <>
                        {formatMoney(limit)} {PERIOD_LABEL[k.spendLimitPeriod]}
                        {used.has(k.id) && (
                          <div className="text-muted-foreground text-[13px]" data-testid="key-limit-used">
                            {formatMoney(used.get(k.id)!)} used
                          </div>
                        )}
                      </>
                    )}
                  </td>
                  <td data-label="Status" data-testid="key-status">
                    {k.revokedAt ? `revoked ${when(k.revokedAt)}` : k.disabledAt ? `disabled ${when(k.disabledAt)}` : "active"}
                  </td>
                  <td data-label={k.revokedAt ? undefined : "Actions"}>
                    {!k.revokedAt && (
                      <div className="flex items-start gap-2">
                        <KeySettings
                          keyId={k.id}
                          name={k.name}
                          limitUsd={limit === null ? "" : microToUsdString(limit)}
                          period={k.spendLimitPeriod}
                          renameAction={renameKeyAction}
                          limitAction={setKeyLimitAction}
                        />
                        <RevokeKeyButton keyId={k.id} name={k.name} action={revokeKeyAction} />
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </StackTable>
      )}
    </>
  );
}
