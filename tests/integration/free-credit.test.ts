import { describe, expect, it } from "vitest";
import { eq, like } from "drizzle-orm";
import { freeCreditDays, ledgerEntries, users } from "@/db/schema";
import { createUserWithAccount } from "@/lib/accounts";
import { verifyEmailAndGrant } from "@/lib/accounts/free-credit";
import { freeCreditMessage } from "@/lib/accounts/free-credit-messages";
import { auditAccount, readBalance } from "@/lib/ledger";
import { integrationApp } from "@/tests/helpers/fixture";

// Free credit once per person (issue 13 item 4): per mailbox identity, never to disposable
// domains, at most FREE_GRANTS_PER_DAY a day. Concurrency on the real PostgreSQL.

const app = integrationApp({ maxConnections: 12 });

const make = (email: string) => createUserWithAccount(app.db, { email, passwordHash: "scrypt$unusable" });
const balance = async (accountId: string) => (await readBalance(app.db, accountId)).balanceMicroUsd;
let n = 0;
const uniq = (tag: string) => `${tag}${++n}${Date.now().toString(36)}`;

describe("free credit on verification", () => {
  it("is granted once per mailbox: Gmail aliases with dots and plus-tags get it once", async () => {
    const base = uniq("farm");
    const a = await make(`${base}@gmail.com`);
    const b = await make(`${base.slice(0, 2)}.${base.slice(2)}+2@googlemail.com`);
    expect(await verifyEmailAndGrant(app.db, a)).toBe("granted");
    expect(await verifyEmailAndGrant(app.db, b)).toBe("identity_used");
    expect([await balance(a.accountId), await balance(b.accountId)]).toEqual([10_000_000n, 0n]);
    // Idempotent: verifying again changes nothing.
    expect(await verifyEmailAndGrant(app.db, a)).toBe("granted");
    expect(await balance(a.accountId)).toBe(10_000_000n);
    const [u] = await app.db.select().from(users).where(eq(users.id, b.userId));
    expect(u.freeCredit).toBe("identity_used");
    expect(u.emailVerifiedAt).not.toBeNull();
    expect(freeCreditMessage(u.freeCredit, true)).toMatch(/already had the \$10.00/);
  });

  it("is not given to a disposable address, and says so", async () => {
    const a = await make(`${uniq("throwaway")}@mailinator.com`);
    expect(await verifyEmailAndGrant(app.db, a)).toBe("disposable");
    expect(await balance(a.accountId)).toBe(0n);
    expect(freeCreditMessage("disposable", true)).toMatch(/disposable/);
  });

  it("stops at the daily cap: later accounts start at $0 with a clear message, and the next day grants again", async () => {
    const day = new Date("2031-05-05T10:00:00Z");
    const accounts = await Promise.all([1, 2, 3].map((i) => make(`${uniq(`cap${i}-`)}@example.com`)));
    const outcomes = [];
    for (const a of accounts) outcomes.push(await verifyEmailAndGrant(app.db, a, { grantsPerDay: 2, now: day }));
    expect(outcomes).toEqual(["granted", "granted", "daily_cap"]);
    expect(await balance(accounts[2].accountId)).toBe(0n);
    expect(freeCreditMessage("daily_cap", true)).toMatch(/today's free credit for new accounts has run out/);
    // Capped is not "identity used": the same mailbox on another account gets it on a later day.
    const [u] = await app.db.select({ email: users.email }).from(users).where(eq(users.id, accounts[2].userId));
    const again = await make(u.email.replace("@", "-again@"));
    expect(await verifyEmailAndGrant(app.db, again, { grantsPerDay: 2, now: new Date("2031-05-06T00:00:01Z") })).toBe("granted");
    // Zero turns free credit off.
    const off = await make(`${uniq("off")}@example.com`);
    expect(await verifyEmailAndGrant(app.db, off, { grantsPerDay: 0, now: day })).toBe("daily_cap");
  });

  it("under concurrency: aliases verified at once get one grant; a cap of 3 with 10 at once grants exactly 3", async () => {
    if (app.t.kind !== "postgres") return; // PGlite runs one transaction at a time
    const base = uniq("race");
    const aliases = await Promise.all(
      [`${base}@gmail.com`, `${base}+1@gmail.com`, `${base.slice(0, 3)}.${base.slice(3)}@gmail.com`, `${base}+x@googlemail.com`].map(make),
    );
    const outcomes = await Promise.all(aliases.map((a) => verifyEmailAndGrant(app.db, a)));
    expect(outcomes.filter((o) => o === "granted")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "identity_used")).toHaveLength(3);
    const balances = await Promise.all(aliases.map((a) => balance(a.accountId)));
    expect(balances.reduce((s, b) => s + b, 0n)).toBe(10_000_000n);

    const day = new Date("2032-01-01T12:00:00Z");
    const many = await Promise.all(Array.from({ length: 10 }, (_, i) => make(`${uniq(`burst${i}-`)}@example.com`)));
    const burst = await Promise.all(many.map((a) => verifyEmailAndGrant(app.db, a, { grantsPerDay: 3, now: day })));
    expect(burst.filter((o) => o === "granted")).toHaveLength(3);
    const [d] = await app.db.select().from(freeCreditDays).where(eq(freeCreditDays.day, "2032-01-01"));
    expect(d.grants).toBe(3);
    for (const a of many) expect((await auditAccount(app.db, a.accountId)).ok).toBe(true);
    const grants = await app.db.select().from(ledgerEntries).where(like(ledgerEntries.reference, "signup-credit:%"));
    expect(new Set(grants.map((g) => g.reference)).size).toBe(grants.length);
  });
});
