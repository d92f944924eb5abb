import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import type { DbHandle } from "@/db/client";
import { migrate } from "@/db/migrate";
import { whichTestDb } from "@/tests/helpers/db";
import { createEmptyPostgresDb, migrateUpTo } from "@/tests/helpers/migrate-to";

// Migration 0016 (organizations) on a populated database as it was at 0015: every account
// becomes its owner's personal organization, with its owner as the one member and a Default
// project holding every key, and not one micro-dollar moves.

type Db = Awaited<ReturnType<typeof createEmptyPostgresDb>>;
let db: Db;
let sql: postgres.Sql;

const onPostgres = (await whichTestDb()) === "postgres";

beforeAll(async () => {
  if (!onPostgres) return;
  db = await createEmptyPostgresDb();
  await migrateUpTo(db.url, "0015_admin-status");
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
}, 120_000);
afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await db?.drop();
});

// Raw inserts in the 0015 schema: the columns the application wrote then.
async function populate() {
  const users = [
    { id: "usr_alice", email: "alice@example.test", name: "Alice", verified: true },
    { id: "usr_bob", email: "bob@example.test", name: null, verified: true },
    { id: "usr_carol", email: "carol@example.test", name: "", verified: true },
    { id: "usr_dave", email: "dave@example.test", name: "Dave", verified: false },
  ];
  for (const u of users) {
    await sql`insert into users (id, email, name, password_hash, email_verified_at, created_at)
              values (${u.id}, ${u.email}, ${u.name}, 'scrypt$x', ${u.verified ? new Date("2026-01-02T00:00:00Z") : null}, '2026-01-01T00:00:00Z')`;
  }
  // Balances as lib/ledger would have left them: balance = Σ ledger; promo = promotional left.
  const accounts = [
    { id: "acct_alice", owner: "usr_alice", tier: "paid", balance: 28_765_433n, promo: 8_765_433n, reserved: 500_000n, owed: 0n },
    { id: "acct_bob", owner: "usr_bob", tier: "free", balance: 0n, promo: 0n, reserved: 0n, owed: 0n },
    { id: "acct_carol", owner: "usr_carol", tier: "elevated", balance: 0n, promo: 0n, reserved: 0n, owed: 2_000_000n },
    { id: "acct_dave", owner: "usr_dave", tier: "free", balance: 0n, promo: 0n, reserved: 0n, owed: 0n },
  ];
  for (const a of accounts) {
    await sql`insert into billing_accounts (id, owner_user_id, tier, balance_micro_usd, reserved_micro_usd, owed_micro_usd, promo_micro_usd, created_at)
              values (${a.id}, ${a.owner}, ${a.tier}, ${a.balance.toString()}, ${a.reserved.toString()}, ${a.owed.toString()}, ${a.promo.toString()}, '2026-01-01T00:00:00Z')`;
  }
  const ledger: [string, string, bigint, bigint, string, string | null, bigint][] = [
    ["acct_alice", "grant", 10_000_000n, 10_000_000n, "grant:alice", "promotional", 10_000_000n],
    ["acct_alice", "topup", 20_000_000n, 30_000_000n, "pi_alice_1", "paid", 0n],
    ["acct_alice", "usage", -1_000_000n, 29_000_000n, "req_a1", null, -1_000_000n],
    ["acct_alice", "usage", -234_567n, 28_765_433n, "req_a2", null, -234_567n],
    ["acct_bob", "grant", 10_000_000n, 10_000_000n, "grant:bob", "promotional", 10_000_000n],
    ["acct_bob", "usage", -10_000_000n, 0n, "req_b1", null, -10_000_000n],
    ["acct_carol", "topup", 5_000_000n, 5_000_000n, "pi_carol_1", "paid", 0n],
    ["acct_carol", "usage", -5_000_000n, 0n, "req_c1", null, 0n],
  ];
  for (const [account, kind, amount, after, reference, creditKind, promo] of ledger) {
    await sql`insert into ledger_entries (account_id, kind, amount_micro_usd, balance_after_micro_usd, reference, description, request_id, credit_kind, promo_micro_usd)
              values (${account}, ${kind}, ${amount.toString()}, ${after.toString()}, ${reference}, ${kind}, ${reference.startsWith("req_") ? reference : null}, ${creditKind}, ${promo.toString()})`;
  }
  const keys = [
    ["key_a1", "acct_alice", "usr_alice", null],
    ["key_a2", "acct_alice", "usr_alice", "2026-02-01T00:00:00Z"],
    ["key_b1", "acct_bob", "usr_bob", null],
    ["key_c1", "acct_carol", "usr_carol", null],
  ] as const;
  for (const [id, account, user, revoked] of keys) {
    await sql`insert into api_keys (id, account_id, created_by_user_id, name, start, hash, revoked_at, spend_limit_micro_usd, spend_limit_period)
              values (${id}, ${account}, ${user}, ${id}, 'sk-mt-abc', ${"hash_" + id}, ${revoked}, ${id === "key_a1" ? "5000000" : null}, ${id === "key_a1" ? "monthly" : null})`;
  }
  await sql`insert into reservations (id, account_id, key_id, request_id, amount_micro_usd, expires_at)
            values ('res_a3', 'acct_alice', 'key_a1', 'req_a3', 500000, now() + interval '1 hour')`;
  const events = [
    ["req_a1", "acct_alice", "key_a1", 1_000_000],
    ["req_a2", "acct_alice", "key_a1", 234_567],
    ["req_b1", "acct_bob", "key_b1", 10_000_000],
    ["req_c1", "acct_carol", "key_c1", 5_000_000],
  ] as const;
  for (const [req, account, key, cost] of events) {
    await sql`insert into usage_events (request_id, account_id, key_id, model, modality, input_tokens, output_tokens, cost_micro_usd, status, http_status, latency_ms)
              values (${req}, ${account}, ${key}, 'local/echo-chat', 'text', 100, 20, ${cost}, 'ok', 200, 12)`;
  }
}

/** Every money figure the database holds, per account, as text (exact). */
async function money() {
  const accounts = await sql`
    select a.id, a.tier, a.balance_micro_usd::text as balance, a.promo_micro_usd::text as promo, a.reserved_micro_usd::text as reserved,
           a.owed_micro_usd::text as owed,
           (select coalesce(sum(amount_micro_usd), 0)::text from ledger_entries e where e.account_id = a.id) as ledger_sum,
           (select count(*)::int from ledger_entries e where e.account_id = a.id) as ledger_rows,
           (select coalesce(sum(amount_micro_usd), 0)::text from reservations r where r.account_id = a.id) as reservations,
           (select coalesce(sum(cost_micro_usd), 0)::text from usage_events u where u.account_id = a.id) as usage_cost,
           (select coalesce(sum(cost_micro_usd), 0)::text from usage_daily d where d.account_id = a.id) as usage_daily_cost
    from billing_accounts a order by a.id`;
  const ledger =
    await sql`select id::text, account_id, kind, amount_micro_usd::text, balance_after_micro_usd::text, promo_micro_usd::text, credit_kind from ledger_entries order by id`;
  const keys = await sql`select id, account_id, revoked_at, spend_limit_micro_usd::text, spend_limit_period from api_keys order by id`;
  return { accounts: [...accounts], ledger: [...ledger], keys: [...keys] };
}

describe.runIf(onPostgres)("migration 0016: accounts become personal organizations", () => {
  it("moves no money and gives every account its owner, one member and a Default project holding its keys", async () => {
    await populate();
    const before = await money();
    expect(before.accounts).toHaveLength(4);
    for (const a of before.accounts) expect(a.balance).toBe(a.ledger_sum);

    await migrate({ kind: "postgres" } as DbHandle, db.url);

    const after = await money();
    expect(after).toEqual(before);
    for (const a of after.accounts) expect(a.balance).toBe(a.ledger_sum);

    const orgs = await sql`select id, owner_user_id, personal, name from billing_accounts order by id`;
    expect([...orgs]).toEqual([
      { id: "acct_alice", owner_user_id: "usr_alice", personal: true, name: "Alice" },
      { id: "acct_bob", owner_user_id: "usr_bob", personal: true, name: "bob@example.test" },
      { id: "acct_carol", owner_user_id: "usr_carol", personal: true, name: "carol@example.test" },
      { id: "acct_dave", owner_user_id: "usr_dave", personal: true, name: "Dave" },
    ]);
    const members = await sql`select account_id, user_id, role from organization_members order by account_id`;
    expect([...members]).toEqual(orgs.map((o) => ({ account_id: o.id, user_id: o.owner_user_id, role: "owner" })));
    const projects = await sql`select account_id, name, monthly_budget_micro_usd, allowed_models, archived_at from projects order by account_id`;
    expect([...projects]).toEqual(
      orgs.map((o) => ({ account_id: o.id, name: "Default", monthly_budget_micro_usd: null, allowed_models: null, archived_at: null })),
    );
    const misplaced = await sql`
      select k.id from api_keys k left join projects p on p.id = k.project_id
      where p.id is null or p.account_id <> k.account_id or p.name <> 'Default'`;
    expect([...misplaced]).toEqual([]);
    const keyCount = await sql`select count(*)::int as n from api_keys where project_id is not null`;
    expect(keyCount[0].n).toBe(4);
    // Nothing else was created: no invitations, no management keys.
    expect((await sql`select count(*)::int as n from organization_invites`)[0].n).toBe(0);
    expect((await sql`select count(*)::int as n from management_keys`)[0].n).toBe(0);
  }, 120_000);
});
