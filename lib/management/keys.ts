import { createHash } from "node:crypto";
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { managementKeys, organizationMembers, users } from "@/db/schema";
import { can } from "@/lib/orgs/roles";
import { newId, randomBase62 } from "@/lib/ids";

// Management keys (issue 24): secrets for the management API (/api/v1), one organization
// each. Kept apart from model keys on purpose: a distinct prefix and length (a model key is
// "sk-mt-" + 40, lib/api-keys), so neither kind is ever accepted where the other belongs,
// and each side can tell the caller which kind it was given. Only the SHA-256 of the
// secret is stored (high-entropy secret: no slow KDF needed) and its first characters.

export const MANAGEMENT_KEY_PREFIX = "sk-mt-admin-";
const SECRET_LENGTH = 40;
const VISIBLE_CHARS = MANAGEMENT_KEY_PREFIX.length + 4;
export const MANAGEMENT_KEY_NAME_MAX = 64;

export function hashManagementKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function looksLikeManagementKey(secret: string): boolean {
  return secret.startsWith(MANAGEMENT_KEY_PREFIX) && secret.length === MANAGEMENT_KEY_PREFIX.length + SECRET_LENGTH;
}

/** The user may not create management keys in this organization (not an owner or admin of it). */
export class ManagementKeyForbiddenError extends Error {
  constructor() {
    super("Only the organization's owners and admins can create management keys.");
  }
}

export type ManagementKeyPrincipal = { id: string; name: string; accountId: string; createdByUserId: string };

/**
 * Creates a management key in `accountId` for `userId`, who must be an owner or admin of
 * that organization (management_keys.manage) and have verified their address (the keys
 * the API creates are made in their name). Returns the secret once; it is not recoverable.
 */
export async function createManagementKey(db: Queryable, input: { accountId: string; userId: string; name: string }) {
  const name = input.name.trim();
  if (!name || name.length > MANAGEMENT_KEY_NAME_MAX) throw new RangeError(`Key name must be 1 to ${MANAGEMENT_KEY_NAME_MAX} characters.`);
  const [member] = await db
    .select({ role: organizationMembers.role, verifiedAt: users.emailVerifiedAt })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(organizationMembers.accountId, input.accountId), eq(organizationMembers.userId, input.userId)));
  if (!member || !can(member.role, "management_keys.manage") || !member.verifiedAt) throw new ManagementKeyForbiddenError();
  const secret = MANAGEMENT_KEY_PREFIX + randomBase62(SECRET_LENGTH);
  const [row] = await db
    .insert(managementKeys)
    .values({
      id: newId("mkey"),
      accountId: input.accountId,
      createdByUserId: input.userId,
      name,
      start: secret.slice(0, VISIBLE_CHARS),
      hash: hashManagementKey(secret),
    })
    .returning({ id: managementKeys.id, name: managementKeys.name, start: managementKeys.start, createdAt: managementKeys.createdAt });
  return { ...row, secret };
}

/** The organization's management keys, newest first (revoked ones too, for the record). */
export function listManagementKeys(db: Queryable, accountId: string) {
  return db
    .select({
      id: managementKeys.id,
      name: managementKeys.name,
      start: managementKeys.start,
      createdAt: managementKeys.createdAt,
      lastUsedAt: managementKeys.lastUsedAt,
      revokedAt: managementKeys.revokedAt,
      createdBy: users.email,
    })
    .from(managementKeys)
    .leftJoin(users, eq(users.id, managementKeys.createdByUserId))
    .where(eq(managementKeys.accountId, accountId))
    .orderBy(desc(managementKeys.createdAt));
}

/** Revokes a management key if, and only if, it belongs to `accountId`. Effective at once: keys are not cached. */
export async function revokeManagementKey(db: Queryable, input: { accountId: string; keyId: string }): Promise<boolean> {
  const updated = await db
    .update(managementKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(managementKeys.id, input.keyId), eq(managementKeys.accountId, input.accountId), isNull(managementKeys.revokedAt)))
    .returning({ id: managementKeys.id });
  return updated.length > 0;
}

/**
 * An active management key by its secret, or null. Looked up on every call, never cached:
 * revocation takes effect on the very next request, on every instance (the management API
 * is not a hot path; one indexed lookup per call). A key also stops working while its
 * creator is no longer an owner or admin of the organization (removed, or made a member):
 * it acts in their name, so it can do no more than they may.
 */
export async function findActiveManagementKey(db: Queryable, secret: string): Promise<ManagementKeyPrincipal | null> {
  if (!looksLikeManagementKey(secret)) return null;
  const [row] = await db
    .select({
      id: managementKeys.id,
      name: managementKeys.name,
      accountId: managementKeys.accountId,
      createdByUserId: managementKeys.createdByUserId,
      revokedAt: managementKeys.revokedAt,
      creatorRole: organizationMembers.role,
    })
    .from(managementKeys)
    .leftJoin(
      organizationMembers,
      and(eq(organizationMembers.accountId, managementKeys.accountId), eq(organizationMembers.userId, managementKeys.createdByUserId)),
    )
    .where(eq(managementKeys.hash, hashManagementKey(secret)));
  if (!row || row.revokedAt || !can(row.creatorRole, "management_keys.manage")) return null;
  const { revokedAt: _revoked, creatorRole: _role, ...principal } = row;
  return principal;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** last_used_at, written at most once a minute per key (the list shows it to the minute). */
export async function noteManagementKeyUsed(db: Queryable, keyId: string, at = new Date()): Promise<void> {
  const stale = new Date(at.getTime() - LAST_USED_RESOLUTION_MS);
  await db
    .update(managementKeys)
    .set({ lastUsedAt: at })
    .where(and(eq(managementKeys.id, keyId), or(isNull(managementKeys.lastUsedAt), lt(managementKeys.lastUsedAt, stale))));
}

/**
 * Revokes every management key `userId` created in `accountId`: for the members module to
 * call when it removes a member (or demotes them below admin), in the same transaction.
 * Until then, findActiveManagementKey already refuses such keys; this makes it final.
 */
export async function revokeManagementKeysOf(db: Queryable, input: { accountId: string; userId: string }): Promise<number> {
  const revoked = await db
    .update(managementKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(managementKeys.accountId, input.accountId), eq(managementKeys.createdByUserId, input.userId), isNull(managementKeys.revokedAt)))
    .returning({ id: managementKeys.id });
  return revoked.length;
}
