import { and, desc, eq, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { apiKeys, projects, type SpendLimitPeriod } from "@/db/schema";
import { createApiKey, KeyLimitError, ProjectNotFoundError, renameApiKey, revokeApiKey, UnverifiedAccountError } from "@/lib/api-keys";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { setKeySpendLimit } from "@/lib/api-keys/spend-limit";
import { ApiError } from "@/lib/errors";
import { keySpentSince } from "@/lib/ledger";
import { keySpentMicroUsd } from "@/lib/metering/spend-limits";
import { microToUsdNumber } from "@/lib/money";
import { listProjects } from "@/lib/projects";
import type { ManagementKeyPrincipal } from "./keys";
import type { CreateKeyBody, KeyObject, UpdateKeyBody } from "./schemas";

// The model keys of the management key's organization, as the management API shows and
// changes them. Every query is scoped by the management key's organization: a key id of
// another organization matches nothing and answers 404, exactly like an id that never
// existed (its existence is never revealed). Deleted = revoked: gone from the API.

type Limit = { limitMicroUsd: bigint | null; reset: KeyObject["limit_reset"] };

/** USD (at most 6 decimals, checked by the schema) to micro-USD, exactly. */
export function usdToMicro(usd: number): bigint {
  return BigInt(Math.round(usd * 1e6));
}

/** A limit without a reset is for the key's whole life: the "total" period of api_keys. */
const toPeriod = (reset: KeyObject["limit_reset"]) => reset ?? "total";
const toReset = (period: string | null): KeyObject["limit_reset"] => (period === "daily" || period === "weekly" || period === "monthly" ? period : null);

function notFound(id: string): ApiError {
  return new ApiError("not_found", `No key ${id} in this organization.`, { param: "id" });
}

type KeyRow = {
  id: string;
  name: string;
  start: string;
  projectId: string | null;
  projectName: string | null;
  spendLimitMicroUsd: bigint | null;
  spendLimitPeriod: SpendLimitPeriod | null;
  disabledAt: Date | null;
  createdAt: Date;
  lastUsedAt: Date | null;
};

function selectKeys(db: Queryable, accountId: string, keyId?: string): Promise<KeyRow[]> {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      start: apiKeys.start,
      projectId: apiKeys.projectId,
      projectName: projects.name,
      spendLimitMicroUsd: apiKeys.spendLimitMicroUsd,
      spendLimitPeriod: apiKeys.spendLimitPeriod,
      disabledAt: apiKeys.disabledAt,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .leftJoin(projects, eq(projects.id, apiKeys.projectId))
    .where(and(eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt), keyId ? eq(apiKeys.id, keyId) : undefined))
    .orderBy(desc(apiKeys.createdAt));
}

/** What the key spent, counted as its limit counts it (current period, or ever), holds included. */
async function keyUsage(db: Queryable, row: KeyRow): Promise<bigint> {
  const reset = toReset(row.spendLimitPeriod);
  if (row.spendLimitMicroUsd !== null && reset) return (await keySpentMicroUsd(db, { keyId: row.id, period: reset })).spentMicroUsd;
  return (await keySpentSince(db, { keyId: row.id, since: null })).spentMicroUsd;
}

async function toKeyObject(db: Queryable, row: KeyRow): Promise<KeyObject> {
  const usage = await keyUsage(db, row);
  const limit = row.spendLimitMicroUsd;
  return {
    id: row.id,
    name: row.name,
    start: row.start,
    project: row.projectId ? { id: row.projectId, name: row.projectName ?? "" } : null,
    limit: limit === null ? null : microToUsdNumber(limit),
    limit_micro_usd: limit === null ? null : Number(limit),
    limit_reset: limit === null ? null : toReset(row.spendLimitPeriod),
    usage: microToUsdNumber(usage),
    usage_micro_usd: Number(usage),
    disabled: row.disabledAt !== null,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt ? row.lastUsedAt.toISOString() : null,
  };
}

export async function listKeys(db: Queryable, mkey: ManagementKeyPrincipal): Promise<KeyObject[]> {
  const rows = await selectKeys(db, mkey.accountId);
  return Promise.all(rows.map((r) => toKeyObject(db, r)));
}

export async function getKey(db: Queryable, mkey: ManagementKeyPrincipal, id: string): Promise<KeyObject> {
  const [row] = await selectKeys(db, mkey.accountId, id);
  if (!row) throw notFound(id);
  return toKeyObject(db, row);
}

/** A project of the organization by id or name (active ones only), else a 400 naming the parameter. */
async function resolveProject(db: Queryable, accountId: string, ref: string): Promise<string> {
  const list = await listProjects(db, accountId);
  const found = list.find((p) => p.id === ref) ?? list.find((p) => p.name === ref);
  if (!found) {
    throw new ApiError("invalid_request", `No project "${ref}" in this organization. Its projects: ${list.map((p) => p.name).join(", ")}.`, {
      param: "project",
    });
  }
  return found.id;
}

function limitFrom(body: { limit?: number | null; limit_reset?: KeyObject["limit_reset"] }, current: Limit): Limit {
  const limitMicroUsd = body.limit === undefined ? current.limitMicroUsd : body.limit === null ? null : usdToMicro(body.limit);
  const reset = body.limit_reset === undefined ? current.reset : body.limit_reset;
  // A reset period without a limit would be silently dropped: say so instead.
  if (limitMicroUsd === null && body.limit_reset) {
    throw new ApiError("invalid_request", "limit_reset needs a limit: set `limit` too (the key has none).", { param: "limit_reset" });
  }
  return { limitMicroUsd, reset: limitMicroUsd === null ? null : reset };
}

export async function createKey(db: Queryable, mkey: ManagementKeyPrincipal, body: CreateKeyBody): Promise<{ secret: string; data: KeyObject }> {
  const projectId = body.project === undefined ? undefined : await resolveProject(db, mkey.accountId, body.project);
  const limit = limitFrom(body, { limitMicroUsd: null, reset: null }); // checked before anything is made
  let created;
  try {
    // Made in the name of the management key's creator (who must still be verified).
    created = await createApiKey(db, { accountId: mkey.accountId, userId: mkey.createdByUserId, name: body.name, projectId });
  } catch (err) {
    if (err instanceof KeyLimitError || err instanceof UnverifiedAccountError) throw new ApiError("permission_denied", err.message);
    if (err instanceof ProjectNotFoundError) throw new ApiError("invalid_request", err.message, { param: "project" });
    throw err;
  }
  // The limit is set before the secret leaves this function, so no request can run without it.
  if (limit.limitMicroUsd !== null) {
    await setKeySpendLimit(db, { accountId: mkey.accountId, keyId: created.id, limitMicroUsd: limit.limitMicroUsd, period: toPeriod(limit.reset) });
  }
  return { secret: created.secret, data: await getKey(db, mkey, created.id) };
}

export async function updateKey(db: Queryable, mkey: ManagementKeyPrincipal, id: string, body: UpdateKeyBody): Promise<KeyObject> {
  const [row] = await selectKeys(db, mkey.accountId, id);
  if (!row) throw notFound(id);
  if (body.name !== undefined && body.name !== row.name) await renameApiKey(db, { accountId: mkey.accountId, keyId: id, name: body.name });
  if (body.limit !== undefined || body.limit_reset !== undefined) {
    const current: Limit = { limitMicroUsd: row.spendLimitMicroUsd, reset: toReset(row.spendLimitPeriod) };
    const next = limitFrom(body, current);
    await setKeySpendLimit(db, {
      accountId: mkey.accountId,
      keyId: id,
      limitMicroUsd: next.limitMicroUsd,
      period: next.limitMicroUsd === null ? null : toPeriod(next.reset),
    });
  }
  if (body.disabled !== undefined && body.disabled !== (row.disabledAt !== null)) await setKeyDisabled(db, mkey.accountId, id, body.disabled);
  return getKey(db, mkey, id);
}

/** Disables (refused by /v1 like a revoked key) or re-enables a key; every instance drops its cached copy. */
async function setKeyDisabled(db: Queryable, accountId: string, keyId: string, disabled: boolean): Promise<void> {
  const updated = await db
    .update(apiKeys)
    .set({ disabledAt: disabled ? new Date() : null })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (updated.length) await notifyKeyChange(db, { keyId });
}

export async function deleteKey(db: Queryable, mkey: ManagementKeyPrincipal, id: string): Promise<{ id: string; deleted: true }> {
  // revokeApiKey is scoped by organization and announces the change to every instance.
  if (!(await revokeApiKey(db, { accountId: mkey.accountId, keyId: id }))) throw notFound(id);
  return { id, deleted: true };
}
