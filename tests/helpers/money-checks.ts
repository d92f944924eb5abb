import { sql } from "drizzle-orm";
import { vi } from "vitest";
import type { Db, Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { auditAccount } from "@/lib/ledger";

// What the money invariants are checked against after a load or fault run: the account's
// ledger, usage events and open reservations, keyed by request id.

export type MoneyState = {
  balanceMicroUsd: bigint;
  reservedMicroUsd: bigint;
  ledgerSumMicroUsd: bigint;
  auditOk: boolean;
  /** request id → usage ledger amounts (negative), normally one each */
  usageEntries: Map<string, bigint[]>;
  /** request id → usage event costs, normally one each */
  usageEvents: Map<string, bigint[]>;
  openReservations: number;
  sumUsageEntriesMicroUsd: bigint;
  sumUsageEventsMicroUsd: bigint;
};

/**
 * One consistent snapshot (a read-only REPEATABLE READ transaction): its queries must not
 * straddle a settle that commits in between (e.g. the balance read before a settle and the
 * reservation count after it, which would look like a request released without a charge).
 */
export async function moneyState(db: Queryable, accountId: string): Promise<MoneyState> {
  if ("$client" in db) return (db as Db).transaction((tx) => readMoneyState(tx, accountId), { isolationLevel: "repeatable read", accessMode: "read only" });
  return readMoneyState(db, accountId);
}

async function readMoneyState(db: Queryable, accountId: string): Promise<MoneyState> {
  const audit = await auditAccount(db, accountId);
  const entries = await rows<{ request_id: string | null; amount: string }>(
    db,
    sql`select request_id, amount_micro_usd::text as amount from ledger_entries where account_id = ${accountId} and kind = 'usage'`,
  );
  const events = await rows<{ request_id: string; cost: string }>(
    db,
    sql`select request_id, cost_micro_usd::text as cost from usage_events where account_id = ${accountId}`,
  );
  const [open] = await rows<{ n: number }>(db, sql`select count(*)::int as n from reservations where account_id = ${accountId}`);
  const group = (list: { request_id: string | null }[], value: (r: any) => bigint) => {
    const m = new Map<string, bigint[]>();
    for (const r of list) m.set(r.request_id ?? "", [...(m.get(r.request_id ?? "") ?? []), value(r)]);
    return m;
  };
  return {
    balanceMicroUsd: audit.balanceMicroUsd,
    reservedMicroUsd: audit.reservedMicroUsd,
    ledgerSumMicroUsd: audit.ledgerSumMicroUsd,
    auditOk: audit.ok,
    usageEntries: group(entries, (r) => BigInt(r.amount)),
    usageEvents: group(events, (r) => BigInt(r.cost)),
    openReservations: open.n,
    sumUsageEntriesMicroUsd: entries.reduce((s, r) => s + BigInt(r.amount), 0n),
    sumUsageEventsMicroUsd: events.reduce((s, r) => s + BigInt(r.cost), 0n),
  };
}

/** Polls the account row until stopped: the lowest balance and spendable credit ever seen. */
export function sampleBalance(db: Queryable, accountId: string) {
  let stop = false;
  let samples = 0;
  let minBalance: bigint | null = null;
  let minAvailable: bigint | null = null;
  let errors = 0;
  const loop = (async () => {
    while (!stop) {
      try {
        const [r] = await rows<{ balance: string; reserved: string }>(
          db,
          sql`select balance_micro_usd::text as balance, reserved_micro_usd::text as reserved from billing_accounts where id = ${accountId}`,
        );
        const b = BigInt(r.balance);
        const avail = b - BigInt(r.reserved);
        samples++;
        if (minBalance === null || b < minBalance) minBalance = b;
        if (minAvailable === null || avail < minAvailable) minAvailable = avail;
        await new Promise((r) => setTimeout(r, 2)); // sample often, without starving the server of CPU
      } catch {
        errors++; // a cut database connection (fault tests): keep sampling
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  return {
    async stop() {
      stop = true;
      await loop;
      return { samples, minBalance, minAvailable, errors };
    },
  };
}

/**
 * moneyState() once the account holds no reservation: settles commit just after their
 * answers (lib/metering/meter.ts), so a test that has every answer waits the last few
 * milliseconds for them. Gives up after `timeoutMs` and returns what it saw.
 */
export async function settledMoneyState(db: Queryable, accountId: string, timeoutMs = 10_000): Promise<MoneyState> {
  let last: MoneyState | undefined;
  try {
    return await vi.waitFor(
      async () => {
        last = await moneyState(db, accountId);
        if (last.openReservations !== 0) throw new Error(`${last.openReservations} reservations still open`);
        return last;
      },
      { timeout: timeoutMs, interval: 25 },
    );
  } catch {
    return last ?? moneyState(db, accountId);
  }
}
