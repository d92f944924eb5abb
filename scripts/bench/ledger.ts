// `npm run bench -- ledger`: reservations + settlements per second on the real PostgreSQL.
//   (a) one hot account, 32 concurrent clients, each looping reserve → settle
//   (b) 1,000 accounts, 32 concurrent clients spread across them
// (a) and (b) run again with the usage rollup's triggers off (migration 0010_usage-daily keeps
// usage_daily in the settle transaction), alternating in the same rounds, so their cost is
// a same-run ratio. The ledger invariant (balance = Σ ledger, reserved = Σ active
// reservations, ≥ 0) is checked for every account at the end. Writes its table to docs/benchmarks.md.
import os from "node:os";
import { sql } from "drizzle-orm";
import { createTestDb } from "@/tests/helpers/db";
import { createUserWithAccount } from "@/lib/accounts";
import { auditAccount, grant, reserve, settle, settleQueued } from "@/lib/ledger";
import { newId } from "@/lib/ids";
import { rows } from "@/db/rows";
import { writeDocSection } from "./lib/doc-section";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

if (process.env.TEST_DB === "pglite") throw new Error("the ledger benchmark runs on PostgreSQL only");
const t = await createTestDb({ maxConnections: CLIENTS + 4 });
if (t.kind !== "postgres") throw new Error("PostgreSQL is not reachable at 127.0.0.1:5432");

async function makeAccounts(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, (_, j) =>
        createUserWithAccount(t.db, { email: `bench-${i + j}-${newId("evt")}@example.test`, passwordHash: "x" }),
      ),
    );
    for (const b of batch) {
      ids.push(b.accountId);
    }
  }
  // Plenty of credit so the benchmark measures throughput, not 402s.
  await Promise.all(ids.map((id) => grant(t.db, { accountId: id, amountMicroUsd: 1_000_000_000_000n, reference: `bench:${id}`, description: "bench" })));
  return ids;
}

const usage = { model: "local/bench", modality: "chat", status: "ok", httpStatus: 200, latencyMs: 1, inputTokens: 10, outputTokens: 20 };

type Mode = "queued" | "single";

async function run(accounts: string[], mode: Mode = "queued"): Promise<{ perSecond: number; count: number; p50: number; p99: number }> {
  const deadline = performance.now() + SECONDS * 1000;
  const latencies: number[] = [];
  let i = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      while (performance.now() < deadline) {
        const accountId = accounts[(c + i++) % accounts.length];
        const requestId = newId("req");
        const t0 = performance.now();
        await reserve(t.db, { accountId, requestId, amountMicroUsd: 5_000n });
        // "queued" is what the API path does (lib/metering/meter.ts): the account's settle
        // queue, batching whatever arrives while a settle statement is in flight.
        if (mode === "queued") await settleQueued(t.db, accountId, { requestId, actualMicroUsd: 3_217n, usage });
        else await settle(t.db, { requestId, actualMicroUsd: 3_217n, usage });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / SECONDS,
    count: latencies.length,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const hot = await makeAccounts(1);
  const many = await makeAccounts(1000);
  const results: Record<string, Awaited<ReturnType<typeof run>>[]> = { hot: [], hotSingle: [], many: [], hotNoRollup: [], manyNoRollup: [] };
  const rollupTrigger = async (on: boolean) => {
    await t.db.execute(sql.raw(`alter table usage_events ${on ? "enable" : "disable"} trigger usage_daily_on_insert`));
  };
  for (let r = 0; r < ROUNDS; r++) {
    results.hot.push(await run(hot));
    await rollupTrigger(false);
    results.hotNoRollup.push(await run(hot));
    results.manyNoRollup.push(await run(many));
    await rollupTrigger(true);
    results.hotSingle.push(await run(hot, "single"));
    results.many.push(await run(many));
    console.log(
      `round ${r + 1}: hot ${results.hot.at(-1)!.perSecond.toFixed(0)}/s (without the rollup trigger ${results.hotNoRollup.at(-1)!.perSecond.toFixed(0)}/s; one statement per settle: ${results.hotSingle.at(-1)!.perSecond.toFixed(0)}/s), 1000 accounts ${results.many.at(-1)!.perSecond.toFixed(0)}/s (without the trigger ${results.manyNoRollup.at(-1)!.perSecond.toFixed(0)}/s)`,
    );
  }
  let bad = 0;
  for (const id of [...hot, ...many]) if (!(await auditAccount(t.db, id)).ok) bad++;
  const [{ n }] = await rows<{ n: string }>(t.db, sql`select count(*)::text as n from usage_events`);

  const pgVersion = (await rows<{ v: string }>(t.db, sql`select version() as v`))[0].v.split(",")[0];
  const line = (name: string, rs: Awaited<ReturnType<typeof run>>[]) =>
    `| ${name} | ${median(rs.map((x) => x.perSecond)).toFixed(0)} | ${median(rs.map((x) => x.p50)).toFixed(1)} | ${median(rs.map((x) => x.p99)).toFixed(1)} |`;
  const table = [
    `| workload (${CLIENTS} concurrent clients, ${SECONDS} s × ${ROUNDS} rounds, medians) | settled requests/s | p50 ms | p99 ms |`,
    "|---|---|---|---|",
    line("(a) one hot account (API path: per-account settle queue)", results.hot),
    line("(a′) one hot account, one settle statement per request", results.hotSingle),
    line("(b) 1,000 accounts", results.many),
    line("(a) without the usage rollup trigger", results.hotNoRollup),
    line("(b) without the usage rollup trigger", results.manyNoRollup),
  ].join("\n");
  const ratio = (a: typeof results.hot, b: typeof results.hot) => median(a.map((x, i) => x.perSecond / b[i].perSecond)).toFixed(2);
  const rollupCost = `With the usage rollup's trigger (usage_daily kept in the settle statement's transaction) against without it, same rounds, per-round ratio then median: (a) ${ratio(results.hot, results.hotNoRollup)}×, (b) ${ratio(results.many, results.manyNoRollup)}× the throughput.`;
  const invariant = `Invariant after ${n} settled requests: ${bad === 0 ? "holds for all 1,001 accounts" : `BROKEN on ${bad} accounts`} (balance = Σ ledger, reserved = Σ active reservations, both ≥ 0).`;
  console.log("\n" + table + "\n\n" + rollupCost + "\n\n" + invariant);

  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
  const machine = `load average at the end ${load} (1/5/15 min; the machine is shared, compare within the run), ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${pgVersion}`;
  const section = `Command: \`npm run bench -- ledger\` (BENCH_CLIENTS=${CLIENTS} BENCH_SECONDS=${SECONDS} BENCH_ROUNDS=${ROUNDS})  \nMachine: ${machine}  \nMeasured: ${new Date().toISOString().slice(0, 16)} UTC  \nEach request is one reservation (a single conditional UPDATE … INSERT statement, committed without waiting for the WAL flush) and one settlement (release + debit + usage ledger entry + usage event, durable). The API path settles through a per-account queue (lib/ledger/settle-batch.ts): one statement in flight per account, whatever arrives meanwhile goes into the next one; (a′) is the same load with the previous design, one durable settle statement (waiting for the WAL flush) per request.\n\n${table}\n\n${rollupCost}\n\n${invariant}\n`;
  writeDocSection("ledger", "## Ledger: reserve + settle throughput", section);
  if (bad) process.exitCode = 1;
} finally {
  await t.drop();
}
