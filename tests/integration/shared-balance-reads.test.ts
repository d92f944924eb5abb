// @module-tag pglite
import { describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { readBalance, release, reserve } from "@/lib/ledger";
import { newId } from "@/lib/ids";
import { spendableMicroUsdShared } from "@/lib/metering/credits";
import { integrationApp } from "@/tests/helpers/fixture";

// The x-credit-remaining read shared by one account's requests (lib/metering/credits.ts):
// callers that ask together share one read, and a caller never gets a read that started
// before it asked (it would miss the hold it just put in force).

const app = integrationApp();

/**
 * The database as the shared reads see it, with every query counted and its answer held
 * back until `open()`: the statement itself runs at once, so a held read has really read
 * the balance of the moment it started.
 */
function heldDb(db: Db) {
  let reads = 0;
  let answered = 0;
  let onAnswer = () => {};
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const hold = (target: object): object =>
    new Proxy(target, {
      get(t, prop) {
        const value = Reflect.get(t, prop, t) as unknown;
        if (prop === "then" && typeof value === "function") {
          return (ok: (v: unknown) => unknown, fail: (e: unknown) => unknown) =>
            (value as (a: (v: unknown) => unknown) => Promise<unknown>)
              .call(t, (v: unknown) => {
                answered++;
                onAnswer();
                return gate.then(() => v);
              })
              .then(ok, fail);
        }
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => unknown).apply(t, args);
          return out && typeof out === "object" ? hold(out) : out;
        };
      },
    });
  const counted = new Proxy(db, {
    get(t, prop) {
      if (prop !== "select") return Reflect.get(t, prop, t) as unknown;
      return (...args: unknown[]) => {
        reads++;
        return hold((t.select as (...a: unknown[]) => object)(...args));
      };
    },
  });
  /** Resolves once the database has answered `n` reads (their answers still held back). */
  const answeredReads = (n: number) =>
    new Promise<void>((resolve) => {
      onAnswer = () => answered >= n && resolve();
      onAnswer();
    });
  return { db: counted, reads: () => reads, answeredReads, open };
}

const spendable = async (accountId: string) => (await readBalance(app.db, accountId)).availableMicroUsd;

describe(`shared balance reads on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("callers that ask together share one read and get the exact figure", async () => {
    const a = await app.account();
    const held = heldDb(app.db);
    const answers = Array.from({ length: 20 }, () => spendableMicroUsdShared(held.db, a.accountId));
    held.open();
    const figures = await Promise.all(answers);
    expect(held.reads()).toBe(1);
    expect(new Set(figures)).toEqual(new Set([await spendable(a.accountId)]));
  });

  it("a caller arriving during a read that started before its hold waits for a new read, which counts its hold", async () => {
    const a = await app.account();
    const before = await spendable(a.accountId);
    const held = heldDb(app.db);
    const early = spendableMicroUsdShared(held.db, a.accountId); // its read runs now, answers later
    await held.answeredReads(1);
    const requestId = newId("req");
    await reserve(app.db, { accountId: a.accountId, keyId: a.keyId, requestId, amountMicroUsd: 1_234n });
    // Both asked after the hold was in force, while the early read is still unanswered.
    const late = [spendableMicroUsdShared(held.db, a.accountId), spendableMicroUsdShared(held.db, a.accountId)];
    held.open();
    expect(await early).toBe(before);
    expect(await Promise.all(late)).toEqual([before - 1_234n, before - 1_234n]);
    expect(held.reads()).toBe(2); // the early read, then one for both late callers
    await release(app.db, { requestId });
  });

  it("a failed read fails its callers only; the next caller reads again", async () => {
    const held = heldDb(app.db);
    const missing = `acct_missing_${newId("req")}`;
    const asked = Promise.allSettled([spendableMicroUsdShared(held.db, missing), spendableMicroUsdShared(held.db, missing)]);
    held.open();
    const failures = await asked;
    expect(failures.map((f) => f.status)).toEqual(["rejected", "rejected"]);
    const a = await app.account();
    expect(await spendableMicroUsdShared(held.db, a.accountId)).toBe(await spendable(a.accountId));
    expect(held.reads()).toBe(2);
  });
});
