import { desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apiKeys, billingAccounts, ledgerEntries, TIERS, type Tier } from "@/db/schema";
import { EmailTakenError, findUserByEmail, setTier } from "@/lib/accounts";
import { createVerifiedUser } from "@/lib/accounts/free-credit";
import { AdminChangeRefused, setAdminStatus } from "@/lib/auth/admin";
import { hashPassword } from "@/lib/auth/password";
import { endSessionsAndPendingChanges } from "@/lib/auth/sessions";
import { createApiKey, KeyLimitError, UnverifiedAccountError } from "@/lib/api-keys";
import { validateSignup } from "@/lib/auth/signup";
import { newId } from "@/lib/ids";
import {
  auditAccount,
  expirePromotionalCredit,
  InsufficientCreditError,
  postEntry,
  promotionalExpiry,
  readCreditParts,
  sweepStaleReservations,
} from "@/lib/ledger";
import { setKeySpendLimit } from "@/lib/api-keys/spend-limit";
import { SPEND_LIMIT_PERIODS, type SpendLimitPeriod } from "@/lib/metering/spend-limits";
import { formatUsd, MICRO_PER_USD } from "@/lib/money";
import { marginReport, MarginRangeError } from "@/lib/billing/margin";
import { createManagementKey, ManagementKeyForbiddenError } from "@/lib/management/keys";
import { listMemberships, membershipRole } from "@/lib/orgs";
import { listMembers } from "@/lib/orgs/members";

export class CliError extends Error {}

type Opts = Record<string, string | boolean | undefined>;
type Out = (line: string) => void;

function req(opts: Opts, name: string): string {
  const v = opts[name];
  if (typeof v !== "string" || !v) throw new CliError(`--${name} is required`);
  return v;
}

async function account(db: Db, email: string) {
  const found = await findUserByEmail(db, email);
  if (!found) throw new CliError(`no user with email ${email}`);
  return found;
}

/**
 * The organization a money command acts on (issue 24: organizations own the money):
 * `--org acct_…` names it; otherwise `--email E` means that user's personal organization.
 */
async function organization(db: Db, opts: Opts) {
  if (typeof opts.org === "string" && opts.org) {
    const [org] = await db
      .select({ accountId: billingAccounts.id, name: billingAccounts.name, personal: billingAccounts.personal, tier: billingAccounts.tier })
      .from(billingAccounts)
      .where(eq(billingAccounts.id, opts.org));
    if (!org) throw new CliError(`no organization ${opts.org}`);
    return org;
  }
  if (typeof opts.email !== "string" || !opts.email) throw new CliError("--org ID or --email E (that user's personal organization) is required");
  const a = await account(db, opts.email);
  const [org] = await db.select({ name: billingAccounts.name }).from(billingAccounts).where(eq(billingAccounts.id, a.accountId));
  return { accountId: a.accountId, name: org?.name ?? "", personal: true, tier: a.tier };
}

const orgLabel = (o: { accountId: string; name: string; personal: boolean }) => `${o.accountId} "${o.name}"${o.personal ? " (personal)" : ""}`;

/** Signed dollars with up to 6 decimals ("-1.25", "0.000001") to micro-USD, exactly. */
export function parseSignedUsd(input: string): bigint {
  const m = /^([+-])?\$?(\d{1,12})(?:\.(\d{1,6}))?$/.exec(input.trim());
  if (!m) throw new CliError(`--amount must be dollars like 5, 5.25 or -1.50 (at most 6 decimals), got "${input}"`);
  const micro = BigInt(m[2]) * MICRO_PER_USD + BigInt((m[3] ?? "").padEnd(6, "0"));
  return m[1] === "-" ? -micro : micro;
}

export const HELP = `Usage: npm run cli -- <command> [options]

Money, tiers and keys belong to organizations. ORG below is --org acct_… (an organization's id) or
--email E (that user's personal organization); \`orgs --email E\` finds the organizations a user is in.

  create-user   --email E --password P [--name N]    create a user, already verified, with their personal organization (gets
                                                     the $10.00 free credit unless the mailbox had it; no daily cap, no disposable rule)
  orgs          --email E                            the organizations the user belongs to, with their role in each
  sign-out-everywhere --email E                      end every session of the user at once
  create-key    --email E [--org ID] --name N        create an API key made by E in the organization ID (E must be a member;
                                                     default: E's personal organization); prints the secret once
  create-management-key --email E --name N [--org ACCT_ID]
                                                     create a management key (management API, /api/v1) in the organization
                                                     (default: the user's personal one; the user must be its owner or admin);
                                                     prints the secret once
  grant         ORG --amount USD --reason R [--reference REF] [--expires-days N]
                                                     add promotional credit (ledger "grant"); REF makes it idempotent;
                                                     expires after N days (default FREE_CREDIT_EXPIRES_DAYS, 365; 0 = never)
  adjust        ORG --amount=±USD --reason R [--reference REF]
                                                     signed correction (ledger "adjustment", paid credit); write --amount=-1.50
                                                     for debits (they spend promotional credit first, like usage)
  set-tier      ORG --tier free|elevated|paid
  key-limit     ORG --key KEY_ID --amount USD --period daily|weekly|monthly|total
                (or --clear) set or remove a key's spend limit
  show          ORG [--limit N]                      the organization: members and roles, balance (promotional and paid
                                                     parts), tier, keys and recent ledger entries
  grant-admin   --email E                            administrator rights (the address must be verified)
  revoke-admin  --email E                            take them away, also from an ADMIN_EMAILS address
  margin        --from YYYY-MM-DD --to YYYY-MM-DD    per UTC day, model and provider: requests, revenue (billed), provider cost
                                                     (reported units × configured cost), margin; both days included
  sweep                                              release reservations of crashed processes, expire promotional credit past its
                                                     expiry, delete expired media, revive stale video jobs

Works on the embedded database (.data/pglite; stop the app first) or on DATABASE_URL.`;

export async function runCommand(db: Db, command: string | undefined, opts: Opts, out: Out): Promise<void> {
  switch (command) {
    case "create-user": {
      const v = validateSignup({ email: req(opts, "email"), password: req(opts, "password"), name: typeof opts.name === "string" ? opts.name : undefined });
      if (!v.ok) throw new CliError(v.message);
      try {
        // Operators create verified users: the address is theirs to vouch for.
        const r = await createVerifiedUser(db, { email: v.email, passwordHash: await hashPassword(v.password), name: v.name ?? null });
        const credit = r.freeCredit === "granted" ? "$10.00 of free credit" : "no free credit (this mailbox already had it)";
        out(`created user ${r.userId} (verified) with personal organization ${r.accountId} and ${credit}`);
      } catch (err) {
        if (err instanceof EmailTakenError) throw new CliError(`a user with email ${v.email} already exists`);
        throw err;
      }
      return;
    }
    case "orgs": {
      const a = await account(db, req(opts, "email"));
      for (const m of await listMemberships(db, a.user.id)) out(`${orgLabel(m)}  ${m.role}`);
      return;
    }
    case "sign-out-everywhere": {
      const a = await account(db, req(opts, "email"));
      await db.transaction((tx) => endSessionsAndPendingChanges(tx, a.user.id));
      out(`ended every session of ${a.user.email}`); // and cancelled its pending changes by emailed link
      return;
    }
    case "create-key": {
      const a = await account(db, req(opts, "email"));
      const accountId = typeof opts.org === "string" && opts.org ? opts.org : a.accountId;
      if (!(await membershipRole(db, { accountId, userId: a.user.id }))) throw new CliError(`${a.user.email} is not a member of organization ${accountId}`);
      const key = await createApiKey(db, { accountId, userId: a.user.id, name: req(opts, "name") }).catch((err) => {
        throw err instanceof KeyLimitError || err instanceof UnverifiedAccountError ? new CliError(err.message) : err;
      });
      out(`created key ${key.id} (${key.name}). The secret is shown once:`);
      out(key.secret);
      return;
    }
    // --- management keys (issue 24) ---
    case "create-management-key": {
      const a = await account(db, req(opts, "email"));
      const org = typeof opts.org === "string" && opts.org ? opts.org : a.accountId;
      const key = await createManagementKey(db, { accountId: org, userId: a.user.id, name: req(opts, "name") }).catch((err) => {
        if (err instanceof ManagementKeyForbiddenError)
          throw new CliError(`${a.user.email} is not an owner or admin of ${org} (or has not verified their address): ${err.message}`);
        throw err instanceof RangeError ? new CliError(err.message) : err;
      });
      out(`created management key ${key.id} (${key.name}) for organization ${org}. The secret is shown once:`);
      out(key.secret);
      return;
    }
    // --- end management keys ---
    case "grant":
    case "adjust": {
      const a = await organization(db, opts);
      const amount = parseSignedUsd(req(opts, "amount"));
      if (command === "grant" && amount <= 0n) throw new CliError("a grant must be positive; use adjust for corrections");
      if (amount === 0n) throw new CliError("--amount must not be zero");
      const reference = typeof opts.reference === "string" ? opts.reference : `cli:${newId("evt")}`;
      let expiresAt: Date | null | undefined;
      if (typeof opts["expires-days"] === "string") {
        if (command !== "grant") throw new CliError("--expires-days applies to grant only");
        if (!/^\d{1,5}$/.test(opts["expires-days"]))
          throw new CliError(`--expires-days must be a whole number of days (0 = never), got "${opts["expires-days"]}"`);
        expiresAt = promotionalExpiry(new Date(), Number(opts["expires-days"]));
      }
      const r = await postEntry(db, {
        expiresAt,
        accountId: a.accountId,
        kind: command === "grant" ? "grant" : "adjustment",
        amountMicroUsd: amount,
        reference,
        description: req(opts, "reason"),
        metadata: { by: "cli" },
      }).catch((err) => {
        if (err instanceof InsufficientCreditError) {
          throw new CliError(`refused: the balance would go below what is spendable (${formatUsd(err.availableMicroUsd, { decimals: 6 })} available)`);
        }
        throw err;
      });
      out(
        r.applied
          ? `${command} of ${formatUsd(amount, { decimals: 6 })} posted (${reference}); balance ${formatUsd(r.balanceAfterMicroUsd, { decimals: 6 })}`
          : `reference ${reference} was already posted; nothing changed`,
      );
      return;
    }
    case "set-tier": {
      const tier = req(opts, "tier") as Tier;
      if (!TIERS.includes(tier)) throw new CliError(`--tier must be one of ${TIERS.join(", ")}`);
      const a = await organization(db, opts);
      await setTier(db, a.accountId, tier);
      out(`organization ${orgLabel(a)} is now on the ${tier} tier`);
      return;
    }
    case "key-limit": {
      const a = await organization(db, opts);
      const keyId = req(opts, "key");
      let ok: boolean;
      if (opts.clear) {
        ok = await setKeySpendLimit(db, { accountId: a.accountId, keyId, limitMicroUsd: null, period: null });
      } else {
        const period = req(opts, "period") as SpendLimitPeriod;
        if (!SPEND_LIMIT_PERIODS.includes(period)) throw new CliError(`--period must be one of ${SPEND_LIMIT_PERIODS.join(", ")}`);
        const amount = parseSignedUsd(req(opts, "amount"));
        if (amount < 0n) throw new CliError("--amount must not be negative");
        ok = await setKeySpendLimit(db, { accountId: a.accountId, keyId, limitMicroUsd: amount, period });
      }
      if (!ok) throw new CliError(`no key ${keyId} in organization ${orgLabel(a)}`);
      out(opts.clear ? `spend limit removed from ${keyId}` : `spend limit set on ${keyId}`);
      return;
    }
    case "show": {
      const a = await organization(db, opts);
      const bal = await readCreditParts(db, a.accountId);
      const audit = await auditAccount(db, a.accountId);
      const usd6 = (m: bigint) => formatUsd(m, { decimals: 6 });
      out(`organization ${orgLabel(a)}  tier ${a.tier}`);
      for (const m of await listMembers(db, a.accountId)) out(`member ${m.role.padEnd(8)} ${m.userId} <${m.email}>  since ${m.since.toISOString()}`);
      out(
        `balance ${usd6(bal.balanceMicroUsd)}  reserved ${usd6(bal.reservedMicroUsd)}  ledger ${audit.ok ? "balanced" : `MISMATCH: Σ ledger ${audit.ledgerSumMicroUsd}, Σ promotional ${audit.ledgerPromoMicroUsd}`}`,
      );
      out(
        `promotional ${usd6(bal.promotionalMicroUsd)}  paid ${usd6(bal.paidMicroUsd)}` +
          (bal.nextExpiry ? `  (${usd6(bal.nextExpiry.amountMicroUsd)} promotional expires ${bal.nextExpiry.at.toISOString()})` : ""),
      );
      const keys = await db.select().from(apiKeys).where(eq(apiKeys.accountId, a.accountId));
      for (const k of keys)
        out(`key ${k.id}  ${k.start}…  "${k.name}"  by ${k.createdByUserId}  ${k.revokedAt ? "revoked" : k.disabledAt ? "disabled" : "active"}`);
      const limit = Number(typeof opts.limit === "string" ? opts.limit : 20);
      const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, a.accountId)).orderBy(desc(ledgerEntries.id)).limit(limit);
      out("ledger (newest first): time, kind, amount, balance after, reference, description");
      for (const e of entries) {
        out(
          `  ${e.createdAt.toISOString()}  ${e.kind.padEnd(10)} ${formatUsd(e.amountMicroUsd, { decimals: 6 }).padStart(14)} ${formatUsd(e.balanceAfterMicroUsd, { decimals: 6 }).padStart(14)}  ${e.reference}  ${e.description}`,
        );
      }
      return;
    }
    case "margin": {
      const report = await marginReport(db, { from: req(opts, "from"), to: req(opts, "to") }).catch((err) => {
        throw err instanceof MarginRangeError ? new CliError(err.message) : err;
      });
      const usd6 = (m: bigint) => formatUsd(m, { decimals: 6 });
      const line = (cols: string[]) => out(cols.map((c, i) => (i < 3 ? c.padEnd([10, 24, 12][i]) : c.padStart(i === 3 ? 8 : 15))).join("  "));
      out(`margin ${report.from} .. ${report.to} (UTC days); provider cost = the provider's reported units × the configured cost`);
      line(["day", "model", "provider", "requests", "revenue", "provider cost", "margin"]);
      const margin = (m: bigint | null, uncosted: number) => (m === null ? `unknown (${uncosted} uncosted)` : usd6(m));
      for (const r of report.rows) {
        line([
          r.day,
          r.model,
          r.provider,
          String(r.requests),
          usd6(r.revenueMicroUsd),
          usd6(r.providerCostMicroUsd),
          margin(r.marginMicroUsd, r.uncostedRequests),
        ]);
      }
      const t = report.total;
      line(["total", "", "", String(t.requests), usd6(t.revenueMicroUsd), usd6(t.providerCostMicroUsd), margin(t.marginMicroUsd, t.uncostedRequests)]);
      return;
    }
    // --- administrators (issue 21; lib/auth/admin.ts) ---
    case "grant-admin":
    case "revoke-admin": {
      const a = await account(db, req(opts, "email"));
      await setAdminStatus(db, { userId: a.user.id, status: command === "grant-admin" ? "granted" : "revoked" }).catch((err) => {
        throw err instanceof AdminChangeRefused ? new CliError(err.message) : err;
      });
      out(command === "grant-admin" ? `${a.user.email} is an administrator` : `${a.user.email} is not an administrator (whatever ADMIN_EMAILS says)`);
      return;
    }
    // --- end administrators ---
    case "sweep": {
      out(`released ${await sweepStaleReservations(db)} stale reservations`);
      const expired = await expirePromotionalCredit(db);
      out(`expired promotional credit: ${expired.entries} lots on ${expired.accounts} accounts, ${formatUsd(expired.expiredMicroUsd, { decimals: 6 })}`);
      // Loaded here, not at the top: video-jobs imports next/server, which a strict ESM
      // loader (Playwright's, for e2e/spend-and-top-up.spec.ts) cannot resolve.
      const { mediaUpkeep, waitForVideoJobs } = await import("@/lib/media/video-jobs");
      const { purged, revived } = await mediaUpkeep(db);
      out(`deleted ${purged} expired artifacts (images, video content); revived ${revived} stale video jobs`);
      await waitForVideoJobs(); // the queued ones render here, to the end
      return;
    }
    case undefined:
    case "help":
    case "--help":
      out(HELP);
      return;
    default:
      throw new CliError(`unknown command "${command}"\n\n${HELP}`);
  }
}
