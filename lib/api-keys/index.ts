import { createHash } from "node:crypto";
import { and, count, desc, eq, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { apiKeys, billingAccounts, projects, users } from "@/db/schema";
import { DEFAULT_PROJECT_NAME } from "@/lib/accounts";
import { env } from "@/lib/env";
import { newId, randomBase62 } from "@/lib/ids";
import { VERIFY_FIRST_MESSAGE } from "@/lib/auth/verify-first";
import { notifyKeyChange } from "./changes";

// Keys look like "sk-mt-" + 40 base62 characters (~238 bits). Only the SHA-256 of the
// whole key and its first characters are stored; high-entropy secrets need no slow KDF.
export const API_KEY_PREFIX = "sk-mt-";
const SECRET_LENGTH = 40;
const VISIBLE_CHARS = API_KEY_PREFIX.length + 4;

export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function looksLikeApiKey(secret: string): boolean {
  return secret.startsWith(API_KEY_PREFIX) && secret.length === API_KEY_PREFIX.length + SECRET_LENGTH;
}

export const KEY_NAME_MAX = 64;

/** Active keys an account may hold (MAX_KEYS_PER_ACCOUNT); each key has its own per-minute limit. */
export const DEFAULT_MAX_KEYS_PER_ACCOUNT = 25;
export function maxKeysPerAccount(): number {
  return env().MAX_KEYS_PER_ACCOUNT ?? DEFAULT_MAX_KEYS_PER_ACCOUNT;
}

export class KeyLimitError extends Error {
  constructor(readonly max: number) {
    super(`This account already has ${max} active API keys, the most it may have. Revoke a key you no longer use, then create the new one.`);
  }
}

/** The account's owner has not verified their address: no keys until then (issue 21; SECURITY.md). */
export class UnverifiedAccountError extends Error {
  constructor() {
    super(VERIFY_FIRST_MESSAGE);
  }
}

/** The project a key is made in does not exist in the organization (or is archived). */
export class ProjectNotFoundError extends Error {
  constructor() {
    super("No such project in this organization. Pick one of the organization's projects (the Default project if unsure).");
  }
}

/**
 * Creates a key in the organization `accountId`, in `projectId` (default: the organization's
 * Default project), made by `userId`, who must have verified their address.
 */
export async function createApiKey(db: Queryable, input: { accountId: string; userId: string; name: string; projectId?: string; maxKeys?: number }) {
  const name = input.name.trim();
  if (!name || name.length > KEY_NAME_MAX) throw new RangeError(`Key name must be 1 to ${KEY_NAME_MAX} characters.`);
  const max = input.maxKeys ?? maxKeysPerAccount();
  const secret = API_KEY_PREFIX + randomBase62(SECRET_LENGTH);
  const row = await db.transaction(async (tx) => {
    // The account row's lock serialises key creations of one account, so two at the cap
    // cannot both count max - 1 and both insert.
    const [acct] = await tx
      .select({ id: billingAccounts.id })
      .from(billingAccounts)
      .where(eq(billingAccounts.id, input.accountId))
      .for("update", { of: billingAccounts });
    const [maker] = await tx.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, input.userId));
    // Whoever signed an address up without proving it holds no keys: a key made then would
    // outlive the real owner's verification (pre-account takeover).
    if (!acct || !maker?.verifiedAt) throw new UnverifiedAccountError();
    const [project] = await tx
      .select({ id: projects.id })
      .from(projects)
      .where(
        and(
          eq(projects.accountId, input.accountId),
          input.projectId ? eq(projects.id, input.projectId) : eq(projects.name, DEFAULT_PROJECT_NAME),
          isNull(projects.archivedAt),
        ),
      );
    if (!project) throw new ProjectNotFoundError();
    const [active] = await tx
      .select({ n: count() })
      .from(apiKeys)
      .where(and(eq(apiKeys.accountId, input.accountId), isNull(apiKeys.revokedAt)));
    if ((active?.n ?? 0) >= max) throw new KeyLimitError(max);
    return insertKey(tx, { ...input, projectId: project.id }, name, secret);
  });
  // The secret leaves this function once, to be shown once; it is not recoverable.
  return { ...row, secret };
}

async function insertKey(db: Queryable, input: { accountId: string; userId: string; projectId: string }, name: string, secret: string) {
  const [row] = await db
    .insert(apiKeys)
    .values({
      id: newId("key"),
      accountId: input.accountId,
      createdByUserId: input.userId,
      projectId: input.projectId,
      name,
      start: secret.slice(0, VISIBLE_CHARS),
      hash: hashApiKey(secret),
    })
    .returning({ id: apiKeys.id, name: apiKeys.name, start: apiKeys.start, createdAt: apiKeys.createdAt });
  return row;
}

/** Keys of one account only: every dashboard query is scoped by the signed-in account. */
export function listApiKeys(db: Queryable, accountId: string) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      start: apiKeys.start,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
      spendLimitMicroUsd: apiKeys.spendLimitMicroUsd,
      spendLimitPeriod: apiKeys.spendLimitPeriod,
    })
    .from(apiKeys)
    .where(eq(apiKeys.accountId, accountId))
    .orderBy(desc(apiKeys.createdAt));
}

/** Revokes a key if, and only if, it belongs to `accountId`. Returns whether it did. */
export async function revokeApiKey(db: Queryable, input: { accountId: string; keyId: string }): Promise<boolean> {
  const updated = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, input.keyId), eq(apiKeys.accountId, input.accountId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (updated.length) await notifyKeyChange(db, { keyId: input.keyId });
  return updated.length > 0;
}

/** Renames a key if, and only if, it belongs to `accountId` (revoked keys too, for the record). */
export async function renameApiKey(db: Queryable, input: { accountId: string; keyId: string; name: string }): Promise<boolean> {
  const name = input.name.trim();
  if (!name || name.length > KEY_NAME_MAX) throw new RangeError(`Key name must be 1 to ${KEY_NAME_MAX} characters.`);
  const updated = await db
    .update(apiKeys)
    .set({ name })
    .where(and(eq(apiKeys.id, input.keyId), eq(apiKeys.accountId, input.accountId)))
    .returning({ id: apiKeys.id });
  // The cached principal carries the name (it appears in error messages): drop it everywhere.
  if (updated.length) await notifyKeyChange(db, { keyId: input.keyId });
  return updated.length > 0;
}

export type ApiKeyPrincipal = {
  keyId: string;
  keyName: string;
  accountId: string;
  tier: (typeof billingAccounts.$inferSelect)["tier"];
  spendLimitMicroUsd: bigint | null;
  spendLimitPeriod: (typeof apiKeys.$inferSelect)["spendLimitPeriod"];
  /** The key's project (issue 24); null only for keys written outside createApiKey. */
  projectId: string | null;
  /**
   * What the /v1 path enforces for the key's project (lib/metering/open-meter.ts), cached with
   * the key: lib/projects announces every change with notifyKeyChange({ accountId }). The
   * budget itself is re-read under the project's row lock; only whether there is one is here.
   */
  project?: ProjectPolicy | null;
  /** Owed after refunds/disputes took back spent credit: the account is frozen while > 0. */
  owedMicroUsd: bigint;
};

export type ProjectPolicy = { name: string; allowedModels: string[] | null; budgeted: boolean };

/** Looks up an active key by its secret. Null for unknown, revoked or disabled keys, and keys of archived projects. */
export async function findActiveKey(db: Queryable, secret: string): Promise<ApiKeyPrincipal | null> {
  if (!looksLikeApiKey(secret)) return null;
  const [row] = await db
    .select({
      keyId: apiKeys.id,
      keyName: apiKeys.name,
      accountId: apiKeys.accountId,
      tier: billingAccounts.tier,
      revokedAt: apiKeys.revokedAt,
      disabledAt: apiKeys.disabledAt,
      spendLimitMicroUsd: apiKeys.spendLimitMicroUsd,
      spendLimitPeriod: apiKeys.spendLimitPeriod,
      projectId: apiKeys.projectId,
      owedMicroUsd: billingAccounts.owedMicroUsd,
      projectName: projects.name,
      allowedModels: projects.allowedModels,
      budgetMicroUsd: projects.monthlyBudgetMicroUsd,
      projectArchivedAt: projects.archivedAt,
    })
    .from(apiKeys)
    .innerJoin(billingAccounts, eq(billingAccounts.id, apiKeys.accountId))
    .leftJoin(projects, eq(projects.id, apiKeys.projectId))
    .where(eq(apiKeys.hash, hashApiKey(secret)));
  // Archiving a project revokes its keys (lib/projects); the check here also covers a key
  // created while the archive was committing.
  if (!row || row.revokedAt || row.disabledAt || row.projectArchivedAt) return null;
  const { revokedAt: _revoked, disabledAt: _disabled, projectName, allowedModels, budgetMicroUsd, projectArchivedAt: _archived, ...principal } = row;
  const project = projectName === null ? null : { name: projectName, allowedModels, budgeted: budgetMicroUsd !== null };
  return { ...principal, project };
}
