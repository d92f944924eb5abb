// Money is integer micro-USD everywhere (1 USD = 1,000,000). bigint because sums over
// many accounts and events can pass 2^53. Floats appear only in JSON output, produced
// from the integer at the very edge.

export const MICRO_PER_USD = 1_000_000n;
export const MICRO_PER_CENT = 10_000n;

export function usd(dollars: number): bigint {
  // For constants in code (`usd(10)`), not for user input: see parseUsd.
  if (!Number.isInteger(dollars * 100)) throw new Error(`usd(): ${dollars} has sub-cent digits`);
  return BigInt(Math.round(dollars * 100)) * MICRO_PER_CENT;
}

/**
 * "$1,234.56". Truncates toward zero, never rounds up: a balance of $9.999999 shows as
 * $9.99, so we never display credit the user does not have.
 */
export function formatUsd(micro: bigint, opts: { decimals?: number } = {}): string {
  const decimals = opts.decimals ?? 2;
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const whole = abs / MICRO_PER_USD;
  const fraction = (abs % MICRO_PER_USD).toString().padStart(6, "0").slice(0, decimals);
  const wholeStr = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}$${wholeStr}${decimals > 0 ? "." + fraction : ""}`;
}

/**
 * The dashboard's one money format: to the cent ("$0.20", "$1,234.56", truncated like
 * formatUsd), and only an amount under a cent gets the digits it needs ("$0.000734"), so
 * a tiny request never shows as "$0.00".
 */
export function formatMoney(micro: bigint): string {
  const abs = micro < 0n ? -micro : micro;
  if (abs === 0n || abs >= MICRO_PER_CENT) return formatUsd(micro);
  return `${micro < 0n ? "-" : ""}$${microToUsdString(abs)}`;
}

/** Exact USD with up to 6 decimals and trailing zeros dropped: "0.000123", "10". */
export function microToUsdString(micro: bigint): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const fraction = (abs % MICRO_PER_USD).toString().padStart(6, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${abs / MICRO_PER_USD}${fraction ? "." + fraction : ""}`;
}

/**
 * For JSON bodies (`usage.cost`, `balance`). Integer micro-USD divided by 1e6 yields the
 * double nearest to the exact decimal, which JSON prints back with at most 6 decimals.
 */
export function microToUsdNumber(micro: bigint): number {
  if (micro > BigInt(Number.MAX_SAFE_INTEGER) || micro < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError("amount too large for a JSON number");
  }
  return Number(micro) / 1_000_000;
}

/**
 * Parses user-entered dollars ("5", "5.5", "$1,000.25") into micro-USD, exactly.
 * Returns null for anything that is not a plain non-negative decimal with at most
 * `maxDecimals` decimals.
 */
export function parseUsd(input: string, maxDecimals = 2): bigint | null {
  const s = input.trim().replace(/^\$/, "").replace(/,/g, "");
  const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(s);
  if (!m) return null;
  const frac = m[2] ?? "";
  if (frac.length > maxDecimals) return null;
  return BigInt(m[1]) * MICRO_PER_USD + BigInt(frac.padEnd(6, "0").slice(0, 6) || "0");
}

export function centsToMicro(cents: number | bigint): bigint {
  return BigInt(cents) * MICRO_PER_CENT;
}

/** Only for amounts already known to be whole cents (Stripe's unit). */
export function microToCents(micro: bigint): number {
  if (micro % MICRO_PER_CENT !== 0n) throw new RangeError("amount is not a whole number of cents");
  return Number(micro / MICRO_PER_CENT);
}

/** ceil(numerator / denominator) for non-negative bigints: the one rounding step per request. */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n || numerator < 0n) throw new RangeError("ceilDiv expects numerator >= 0, denominator > 0");
  return (numerator + denominator - 1n) / denominator;
}
