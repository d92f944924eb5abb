// @module-tag pglite
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPglite } from "@/db/client";
import { CliError, parseSignedUsd, runCommand } from "@/lib/cli/commands";
import { auditAccount, readBalance } from "@/lib/ledger";
import { findUserByEmail } from "@/lib/accounts";
import { findActiveKey } from "@/lib/api-keys";
import { sessionIsCurrent, sessionState } from "@/lib/auth/sessions";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp();

async function run(command: string, opts: Record<string, string | boolean> = {}) {
  const lines: string[] = [];
  await runCommand(app.db, command, opts, (l) => lines.push(l));
  return lines;
}

describe("operator CLI", () => {
  it("creates a user, a key, grants and adjusts credit idempotently, sets the tier", async () => {
    const email = "ops-cli@example.com";
    await run("create-user", { email, password: "a-long-passphrase" });
    const created = await run("create-key", { email, name: "ops" });
    const secret = created[1];
    const acct = (await findUserByEmail(app.db, email))!;
    expect(await findActiveKey(app.db, secret)).toMatchObject({ accountId: acct.accountId });

    await run("grant", { email, amount: "2.50", reason: "goodwill", reference: "ticket-1" });
    expect(await run("grant", { email, amount: "2.50", reason: "goodwill", reference: "ticket-1" })).toEqual([
      "reference ticket-1 was already posted; nothing changed",
    ]);
    await run("adjust", { email, amount: "-0.000001", reason: "rounding" });
    expect((await readBalance(app.db, acct.accountId)).balanceMicroUsd).toBe(12_499_999n);
    expect((await auditAccount(app.db, acct.accountId)).ok).toBe(true);

    await expect(run("adjust", { email, amount: "-100", reason: "too much" })).rejects.toThrow(/below/);
    await expect(run("grant", { email, amount: "-1", reason: "x" })).rejects.toBeInstanceOf(CliError);

    await run("set-tier", { email, tier: "elevated" });
    expect((await findUserByEmail(app.db, email))!.tier).toBe("elevated");
    await expect(run("set-tier", { email, tier: "platinum" })).rejects.toThrow(/free, elevated, paid/);

    const shown = (await run("show", { email })).join("\n");
    expect(shown).toContain("$12.499999");
    expect(shown).toContain("ledger balanced");
    expect(shown).not.toContain(secret);
  });

  it("creates verified users and ends a user's sessions", async () => {
    const email = "ops-verified@example.com";
    expect((await run("create-user", { email, password: "a-long-passphrase" }))[0]).toMatch(/\(verified\).*\$10\.00 of free credit/);
    const u = (await findUserByEmail(app.db, email))!;
    expect(u.user.emailVerifiedAt).not.toBeNull();
    // The same mailbox again (another case): no second free credit.
    await expect(run("create-user", { email: "OPS-verified@example.com", password: "a-long-passphrase" })).rejects.toThrow(/already exists/);
    expect(sessionIsCurrent(await sessionState(app.db, u.user.id), Date.now() - 1)).toBe(true);
    expect(await run("sign-out-everywhere", { email })).toEqual([`ended every session of ${email}`]);
    expect(sessionIsCurrent(await sessionState(app.db, u.user.id), Date.now() - 1_000)).toBe(false);
  });

  it("parses signed dollar amounts exactly", () => {
    expect(parseSignedUsd("5")).toBe(5_000_000n);
    expect(parseSignedUsd("-1.50")).toBe(-1_500_000n);
    expect(parseSignedUsd("0.000001")).toBe(1n);
    expect(() => parseSignedUsd("1.0000001")).toThrow(CliError);
    expect(() => parseSignedUsd("abc")).toThrow(CliError);
  });

  it("refuses a second process on the same embedded database folder", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lock-")), "pglite");
    const first = await openPglite(dir);
    // Pretend another live process holds the lock: the parent of this test process.
    await first.close();
    fs.writeFileSync(`${dir}.lock`, String(process.ppid));
    await expect(openPglite(dir)).rejects.toThrow(/in use by process/);
    fs.writeFileSync(`${dir}.lock`, "999999999"); // a dead pid: stale lock is taken over
    const again = await openPglite(dir);
    await again.close();
  }, 120_000); // two PGlite start-ups in a fresh folder: slow on a loaded 2-core machine
});
