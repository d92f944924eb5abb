import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq, sql } from "drizzle-orm";
import { creditLots, ledgerEntries } from "@/db/schema";
import { findUserByEmail } from "@/lib/accounts";
import { runCommand } from "@/lib/cli/commands";
import { auditAccount, readCreditParts, readLots } from "@/lib/ledger";
import { appFetch } from "@/tests/helpers/app-fetch";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { integrationApp } from "@/tests/helpers/fixture";

// Issue 20 item 2 at the edges: /v1/credits and the CLI show both kinds of credit; the CLI
// grants promotional credit with an expiry and its sweep expires it (a ledger entry); the
// migration's hand-written backfill gives existing rows a kind, lots and expiries.

const app = integrationApp();
const DAY = 86_400_000;

async function cli(command: string, opts: Record<string, string | boolean> = {}) {
  const lines: string[] = [];
  await runCommand(app.db, command, opts, (l) => lines.push(l));
  return lines;
}

describe("credit kinds: /v1/credits and the CLI", () => {
  it("/v1/credits keeps its fields and adds the promotional and paid parts with the next expiry", async () => {
    const a = await app.account();
    await cli("grant", { email: a.email, amount: "1.25", reason: "goodwill", "expires-days": "0" });
    await cli("adjust", { email: a.email, amount: "2", reason: "paid by bank transfer" });
    const res = await appFetch("http://app.test/v1/credits", { headers: { authorization: `Bearer ${a.secret}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const [lot] = await app.db
      .select()
      .from(creditLots)
      .where(eq(creditLots.reference, `signup-credit:${a.accountId}`));
    expect(body).toMatchObject({
      object: "credits",
      balance_micro_usd: 13_250_000,
      balance: 13.25,
      available_micro_usd: 13_250_000,
      promotional_micro_usd: 11_250_000,
      promotional: 11.25,
      paid_micro_usd: 2_000_000,
      paid: 2,
      promotional_next_expiry: { at: lot.expiresAt!.toISOString(), amount_micro_usd: 10_000_000, amount: 10 },
    });
  });

  it("CLI: grant --expires-days, show prints both parts, sweep expires promotional credit with a ledger entry", async () => {
    const a = await app.account();
    await expect(cli("grant", { email: a.email, amount: "1", reason: "x", "expires-days": "soon" })).rejects.toThrow(/--expires-days must be a whole number/);
    await cli("grant", { email: a.email, amount: "3", reason: "promo", "expires-days": "30", reference: `promo:${a.accountId}` });
    const [lot] = await app.db
      .select()
      .from(creditLots)
      .where(eq(creditLots.reference, `promo:${a.accountId}`));
    expect(Math.round((lot.expiresAt!.getTime() - lot.createdAt.getTime()) / DAY)).toBe(30);

    const shown = await cli("show", { email: a.email });
    // The organization's lines (members, balance, its parts) come in that order; members first.
    const balanced = shown.findIndex((l) => /ledger balanced/.test(l));
    expect(balanced).toBeGreaterThan(0);
    expect(shown[balanced + 1]).toMatch(/^promotional \$13\.000000 {2}paid \$0\.000000 {2}\(\$3\.000000 promotional expires /);

    // Make the $3 lot due, then sweep: one expiry entry, the balance follows.
    await app.db
      .update(creditLots)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(creditLots.id, lot.id));
    const swept = await cli("sweep");
    expect(swept.some((l) => /expired promotional credit: \d+ lots/.test(l))).toBe(true);
    const entries = await app.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, a.accountId)).orderBy(asc(ledgerEntries.id));
    expect(entries.at(-1)).toMatchObject({ kind: "expiry", amountMicroUsd: -3_000_000n, promoMicroUsd: -3_000_000n, balanceAfterMicroUsd: 10_000_000n });
    expect(await readCreditParts(app.db, a.accountId)).toMatchObject({ balanceMicroUsd: 10_000_000n, promotionalMicroUsd: 10_000_000n });
    expect((await auditAccount(app.db, a.accountId)).ok).toBe(true);
    expect((await findUserByEmail(app.db, a.email))?.accountId).toBe(a.accountId);
  });
});

describe("credit kinds: the migration's backfill", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t?.drop());

  it("gives existing rows a kind, records promotional credit already spent, opens lots expiring 365 days after their grant", async () => {
    const file = fs.readdirSync(path.join(import.meta.dirname, "../../db/migrations")).find((f) => f.endsWith("_credit-kinds.sql"))!;
    const migration = fs.readFileSync(path.join(import.meta.dirname, "../../db/migrations", file), "utf8");
    const handWritten = migration.slice(migration.indexOf("-- hand-written"));
    const statements = handWritten.split("--> statement-breakpoint").filter((s) => s.replace(/--[^\n]*\n/g, "").trim());
    expect(statements.length).toBeGreaterThanOrEqual(6);

    // Rows as they were before the migration (no kinds, no promotional parts, no lots).
    const t0 = new Date("2026-01-10T12:00:00Z");
    const t1 = new Date("2026-02-01T12:00:00Z");
    await t.db.execute(sql`insert into users (id, email, password_hash) values ('u1', 'one@example.test', 'x'), ('u2', 'two@example.test', 'x')`);
    await t.db.execute(sql`insert into billing_accounts (id, owner_user_id, balance_micro_usd) values ('ba1', 'u1', 12000000), ('ba2', 'u2', 1000000)`);
    const entry = (acct: string, kind: string, amount: number, after: number, ref: string, at: Date) =>
      sql`insert into ledger_entries (account_id, kind, amount_micro_usd, balance_after_micro_usd, reference, description, created_at)
          values (${acct}, ${kind}, ${amount}, ${after}, ${ref}, 'old', ${at.toISOString()}::timestamptz)`;
    await t.db.execute(entry("ba1", "grant", 10_000_000, 10_000_000, "signup-credit:ba1", t0));
    await t.db.execute(entry("ba1", "topup", 5_000_000, 15_000_000, "pi_1", t0));
    await t.db.execute(entry("ba1", "usage", -3_000_000, 12_000_000, "req_1", t1));
    await t.db.execute(entry("ba2", "grant", 10_000_000, 10_000_000, "signup-credit:ba2", t0));
    await t.db.execute(entry("ba2", "grant", 2_000_000, 12_000_000, "cli:ops-1", t1));
    await t.db.execute(entry("ba2", "usage", -11_000_000, 1_000_000, "req_2", t1));

    for (const s of statements) await t.db.execute(sql.raw(s));

    const kinds = await t.db.select().from(ledgerEntries).orderBy(asc(ledgerEntries.id));
    expect(kinds.map((e) => [e.reference, e.creditKind, e.promoMicroUsd])).toEqual([
      ["signup-credit:ba1", "promotional", 10_000_000n],
      ["pi_1", "paid", 0n],
      ["req_1", null, 0n],
      ["signup-credit:ba2", "promotional", 10_000_000n],
      ["cli:ops-1", "promotional", 2_000_000n],
      ["req_2", null, 0n],
      ["credit-kinds-backfill:ba1", null, -3_000_000n],
      ["credit-kinds-backfill:ba2", null, -11_000_000n],
    ]);
    expect(kinds.slice(-2).map((e) => [e.kind, e.amountMicroUsd])).toEqual([
      ["adjustment", 0n],
      ["adjustment", 0n],
    ]);
    // The ledger is append-only again.
    await expect(t.db.execute(sql`update ledger_entries set description = 'x' where reference = 'pi_1'`)).rejects.toThrow();

    expect(await readCreditParts(t.db, "ba1")).toMatchObject({ balanceMicroUsd: 12_000_000n, promotionalMicroUsd: 7_000_000n, paidMicroUsd: 5_000_000n });
    expect(await readCreditParts(t.db, "ba2")).toMatchObject({ balanceMicroUsd: 1_000_000n, promotionalMicroUsd: 1_000_000n, paidMicroUsd: 0n });
    for (const a of ["ba1", "ba2"]) expect((await auditAccount(t.db, a)).ok).toBe(true);
    // ba2: what is left sits in the lot that expires last (the operator grant).
    const lots = await readLots(t.db, "ba2");
    expect(lots.map((l) => [l.reference, l.remainingMicroUsd, l.expiresAt!.toISOString()])).toEqual([
      ["signup-credit:ba2", 0n, new Date(t0.getTime() + 365 * DAY).toISOString()],
      ["cli:ops-1", 1_000_000n, new Date(t1.getTime() + 365 * DAY).toISOString()],
    ]);
  });
});
