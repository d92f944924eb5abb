import { eq } from "drizzle-orm";
import { ledgerEntries, usageEvents, type Tier } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { newId } from "@/lib/ids";
import { auditAccount, postEntry, readBalance } from "@/lib/ledger";
import { makeAccountWithKey } from "./api-keys";
import { appFetch } from "./app-fetch";

/**
 * An account with a key on the paid tier (300 rpm, so a test's requests are never rate
 * limited), optionally left with exactly `availableMicroUsd` of its $10 signup credit.
 */
export async function mediaAccount(db: Queryable, opts: { availableMicroUsd?: bigint; tier?: Tier } = {}) {
  const a = await makeAccountWithKey(db, { tier: opts.tier });
  if (opts.availableMicroUsd !== undefined) {
    const { balanceMicroUsd } = await readBalance(db, a.accountId);
    await postEntry(db, {
      accountId: a.accountId,
      kind: "adjustment",
      amountMicroUsd: opts.availableMicroUsd - balanceMicroUsd,
      reference: newId("evt"),
      description: "test: set balance",
    });
  }
  return a;
}

/** Balance, reservations, ledger audit and usage events, to assert "charged exactly X" or "nothing". */
export async function moneyState(db: Queryable, accountId: string) {
  const balance = await readBalance(db, accountId);
  const audit = await auditAccount(db, accountId);
  const usage = await db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId));
  const usageEntries = (await db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId))).filter((e) => e.kind === "usage");
  return { ...balance, auditOk: audit.ok, usage, usageEntries };
}

/** A raw call through the in-process app (for what the SDK cannot send). */
export async function rawCall(path: string, init: RequestInit & { key?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  const res = await appFetch(`http://app.test${path}`, { ...init, headers });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {}
  return { res, status: res.status, body, bytes };
}
