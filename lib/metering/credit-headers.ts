import { microToUsdString } from "@/lib/money";

// What every /v1 answer tells about the account's credit (docs: lib/docs/pages/billing.ts):
//   x-credit-remaining  spendable USD after this request's hold: the balance minus every
//                       hold in force (this request's worst case included), plus credit this
//                       instance holds in leases that no request uses;
//   x-credit-held       on answers that held credit: the hold (the worst case) in USD.
// The balance is read when the hold is in force (the wrapper starts the read as the meter
// opens, so it runs alongside the model call and adds no latency), or at the answer when the
// request held nothing (spendableMicroUsd, ./credits.ts). This module stays free of database
// code: the docs pages read its table.

export const CREDIT_REMAINING_HEADER = "x-credit-remaining";
export const CREDIT_HELD_HEADER = "x-credit-held";

export const CREDIT_HEADER_DOCS = [
  {
    name: CREDIT_REMAINING_HEADER,
    description:
      "Spendable credit in USD after this request's hold: the balance minus every hold in force, this request's worst case included. On every answer to an authenticated request.",
  },
  {
    name: CREDIT_HELD_HEADER,
    description:
      "On answers that held credit: the hold in USD (the request's worst case, reserved before any model work). The charge, never more, is in usage.cost.",
  },
] as const;

export function creditHeaders(spendable: bigint, heldMicroUsd: bigint | null): Record<string, string> {
  return {
    [CREDIT_REMAINING_HEADER]: microToUsdString(spendable),
    ...(heldMicroUsd !== null ? { [CREDIT_HELD_HEADER]: microToUsdString(heldMicroUsd) } : {}),
  };
}
