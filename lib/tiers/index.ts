import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { billingAccounts, tierRequests, users, type Tier, type TierRequest } from "@/db/schema";
import { isUniqueViolation, setTier } from "@/lib/accounts";
import { emitLocalKeyChange } from "@/lib/api-keys/changes";
import { newId } from "@/lib/ids";
import { TIER_ORDER, TIERS_BY_ID } from "@/lib/ratelimit/tiers";

// Tier requests: a Free account asks for Elevated with a short reason; an admin approves
// or declines. Callers pass the account from the session (never from a form); the only
// id taken from input is the admin's chosen request id, validated here.

export const REASON_MIN_CHARS = 10;
export const REASON_MAX_CHARS = 500;

export const reasonSchema = z
  .string()
  .trim()
  .min(REASON_MIN_CHARS, `Tell us in a sentence what you are building (at least ${REASON_MIN_CHARS} characters).`)
  .max(REASON_MAX_CHARS, `Keep the reason under ${REASON_MAX_CHARS} characters.`);

export const tierRequestIdSchema = z.string().regex(/^tier_[0-9A-Za-z]{20}$/, "not a tier request id");

export type RequestElevatedResult =
  { ok: true; request: TierRequest } | { ok: false; code: "invalid_reason" | "not_free" | "already_pending" | "account_not_found"; message: string };

/** Files a request for Elevated for this account. One pending request at a time. */
export async function requestElevated(db: Queryable, input: { accountId: string; userId: string; reason: unknown }): Promise<RequestElevatedResult> {
  const reason = reasonSchema.safeParse(typeof input.reason === "string" ? input.reason : "");
  if (!reason.success) return { ok: false, code: "invalid_reason", message: reason.error.issues[0].message };

  const [account] = await db.select({ tier: billingAccounts.tier }).from(billingAccounts).where(eq(billingAccounts.id, input.accountId));
  if (!account) return { ok: false, code: "account_not_found", message: "Account not found." };
  if (account.tier !== "free") {
    return { ok: false, code: "not_free", message: `This account is already on the ${TIERS_BY_ID[account.tier].name} tier.` };
  }
  try {
    const [request] = await db
      .insert(tierRequests)
      .values({ id: newId("tier"), accountId: input.accountId, requestedByUserId: input.userId, requestedTier: "elevated", reason: reason.data })
      .returning();
    return { ok: true, request };
  } catch (err) {
    // The partial unique index is the real guard: two concurrent submissions cannot both pass.
    if (isUniqueViolation(err, "tier_requests_one_pending")) {
      return { ok: false, code: "already_pending", message: "You already have a pending request; an administrator will look at it soon." };
    }
    throw err;
  }
}

/** The account's most recent request (any status), for the dashboard card. */
export async function latestTierRequest(db: Queryable, accountId: string): Promise<TierRequest | null> {
  const [row] = await db
    .select()
    .from(tierRequests)
    .where(eq(tierRequests.accountId, accountId))
    .orderBy(desc(tierRequests.createdAt), desc(tierRequests.id))
    .limit(1);
  return row ?? null;
}

export type PendingTierRequest = {
  id: string;
  accountId: string;
  email: string;
  currentTier: Tier;
  requestedTier: Tier;
  reason: string;
  createdAt: Date;
};

/** Pending requests, oldest first, with the requester's email and the account's tier now. */
export async function listPendingTierRequests(db: Queryable, opts: { limit?: number } = {}): Promise<PendingTierRequest[]> {
  return db
    .select({
      id: tierRequests.id,
      accountId: tierRequests.accountId,
      email: users.email,
      currentTier: billingAccounts.tier,
      requestedTier: tierRequests.requestedTier,
      reason: tierRequests.reason,
      createdAt: tierRequests.createdAt,
    })
    .from(tierRequests)
    .innerJoin(billingAccounts, eq(billingAccounts.id, tierRequests.accountId))
    .innerJoin(users, eq(users.id, tierRequests.requestedByUserId))
    .where(eq(tierRequests.status, "pending"))
    .orderBy(tierRequests.createdAt, tierRequests.id)
    .limit(opts.limit ?? 200);
}

export type DecideResult =
  { ok: true; status: "approved" | "declined"; accountId: string; tier: Tier } | { ok: false; code: "invalid_request_id" | "not_pending"; message: string };

/**
 * Approves or declines a pending request. Approval moves the account to the requested
 * tier in the same transaction as the status change, unless it already has that tier or
 * a higher one (a Paid account stays Paid). A request that is not pending any more (a
 * second admin, a double click) is refused and changes nothing.
 */
export async function decideTierRequest(
  db: Queryable,
  input: { requestId: unknown; decision: "approve" | "decline"; adminUserId: string },
): Promise<DecideResult> {
  const id = tierRequestIdSchema.safeParse(input.requestId);
  if (!id.success) return { ok: false, code: "invalid_request_id", message: "Unknown request." };
  const status = input.decision === "approve" ? "approved" : "declined";

  const result = await db.transaction(async (tx): Promise<DecideResult> => {
    const [decided] = await tx
      .update(tierRequests)
      .set({ status, decidedByUserId: input.adminUserId, decidedAt: sql`now()` })
      .where(and(eq(tierRequests.id, id.data), eq(tierRequests.status, "pending")))
      .returning();
    if (!decided) return { ok: false, code: "not_pending", message: "This request was already decided (or does not exist)." };

    // Lock the account row so a concurrent tier change (a first payment making it Paid)
    // is ordered before or after us, never interleaved with the comparison below.
    const [account] = await tx.select({ tier: billingAccounts.tier }).from(billingAccounts).where(eq(billingAccounts.id, decided.accountId)).for("update");
    let tier = account.tier;
    if (status === "approved" && rank(decided.requestedTier) > rank(tier)) {
      await setTier(tx, decided.accountId, decided.requestedTier);
      tier = decided.requestedTier;
    }
    return { ok: true, status, accountId: decided.accountId, tier };
  });

  // setTier announced the change inside the transaction; in this process the key cache
  // heard it before the commit, so a request in between could have cached the old tier.
  // Announce again now that the new tier is visible.
  if (result.ok && status === "approved") emitLocalKeyChange({ accountId: result.accountId });
  return result;
}

const rank = (t: Tier) => TIER_ORDER.indexOf(t);
