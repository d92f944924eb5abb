// The ledger: every movement of money, and every hold on it (docs/architecture.md, "The
// money path"). This file only re-exports; the statements live in:
//   core.ts          balance, ledger entries (postEntry, grant), reserve, audit
//   settle-batch.ts  THE settle (a batch; one request is a batch of one), release
//   settle-queue.ts  the per-account settle queue the API path uses (group commit)
//   leases.ts        credit leases: one reservation holding many requests' worst cases
//   key-spend.ts     per-key spend: what a key spent (reserving within it: project-budget.ts)
//   project-budget.ts  per-project spend this month; reserving within the project budget and key limit
//   usage-record.ts  the usage event: one typed record, one writer
//   sweeper.ts       releasing the holds of processes that died
//   reversals.ts     refunds and disputes taking credit back; what is owed (frozen); won disputes given back
//   credit-kinds.ts  promotional vs paid credit: spend order, lots, expiry
export { AccountNotFoundError, InsufficientCreditError } from "./errors";
export { DEFAULT_RESERVATION_TTL_SECONDS, reservationTtlSeconds } from "./ttl";
export { auditAccount, grant, postEntry, readBalance, reserve, type Balance, type PostEntryInput, type PostResult, type Reservation } from "./core";
export { release, settle, settleBatch, type BatchSettleResult, type SettleBatchInput, type SettleResult } from "./settle-batch";
export { LINGER_MS, settleQueued, type QueuedSettleInput } from "./settle-queue";
export { isLeaseId, moveHoldOutOfLease, openLease, settleLeaseBatch, trimLease, type LeaseSettleInput } from "./leases";
export { keySpentSince, type KeySpend } from "./key-spend";
export { monthEnd, monthStart, projectSpentSince, reserveWithinLimits, type LimitChecks, type ProjectSpend } from "./project-budget";
export type { UsageRecord } from "./usage-record";
export { startReservationSweeper, sweepIntervalMs, sweepStaleReservations, type Sweeper, type SweeperStats } from "./sweeper";
export {
  readOwed,
  reinstateCredit,
  reverseCredit,
  reversedForTopUp,
  settleOwed,
  type ReinstateInput,
  type ReinstateResult,
  type ReversalInput,
  type ReversalKind,
  type ReversalResult,
} from "./reversals";
export {
  allocateLots,
  DEFAULT_FREE_CREDIT_EXPIRES_DAYS,
  expirePromotionalCredit,
  freeCreditExpiresDays,
  ledgerPromoSum,
  promotionalExpiry,
  readCreditParts,
  readLots,
  type CreditParts,
  type ExpiryResult,
  type Lot,
} from "./credit-kinds";
