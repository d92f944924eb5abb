// How many days the account's spendable credit lasts at its recent pace, shown on the
// overview. A pace needs history: an account a few hours old that spent a cent would
// otherwise be told "≈ 668.4 days left" from a 7-day average of a few hours' spend.

const DAY_MS = 86_400_000;
/** No estimate before this many whole days of history. */
export const MIN_HISTORY_DAYS = 3;
/** The pace is the average of (at most) this many days. */
export const PACE_WINDOW_DAYS = 7;

/**
 * Days of credit left at the average daily spend of the last min(7, history) whole days, in
 * tenths of a day (integer arithmetic), or null: fewer than 3 days of history (since
 * `historySince`, the account's creation) or nothing spent in the window.
 * `windowSpendMicroUsd` is the spend of the last 7 × 24 hours, which covers all of a younger
 * account's history.
 */
export function daysLeftTenths(input: { availableMicroUsd: bigint; windowSpendMicroUsd: bigint; historySince: Date; now?: Date }): bigint | null {
  const now = input.now ?? new Date();
  const historyDays = Math.floor((now.getTime() - input.historySince.getTime()) / DAY_MS);
  if (historyDays < MIN_HISTORY_DAYS || input.windowSpendMicroUsd <= 0n) return null;
  const windowDays = BigInt(Math.min(PACE_WINDOW_DAYS, historyDays));
  const avail = input.availableMicroUsd > 0n ? input.availableMicroUsd : 0n;
  return (avail * windowDays * 10n) / input.windowSpendMicroUsd; // avail / (spend / days), × 10
}

/** The average daily spend over the same window (truncated), or null while history is short. */
export function averageDailyMicroUsd(input: { windowSpendMicroUsd: bigint; historySince: Date; now?: Date }): bigint | null {
  const now = input.now ?? new Date();
  const historyDays = Math.floor((now.getTime() - input.historySince.getTime()) / DAY_MS);
  if (historyDays < MIN_HISTORY_DAYS) return null;
  return input.windowSpendMicroUsd / BigInt(Math.min(PACE_WINDOW_DAYS, historyDays));
}

export const formatTenths = (t: bigint) => `${t / 10n}.${t % 10n}`;
