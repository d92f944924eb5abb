import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "@/lib/api/body";
import { DEFAULT_SIGNINS_PER_MINUTE, DEFAULT_SIGNUPS_PER_HOUR } from "@/lib/auth/ip-limits";
import { FREE_FAILURES_PER_EMAIL, FREE_FAILURES_PER_IP, MAX_DELAY_SECONDS, THROTTLE_WINDOW_MS } from "@/lib/auth/throttle";
import { TIER_LIST } from "@/lib/ratelimit/tiers";
import { MANAGEMENT_RATE_LIMIT_PER_MINUTE } from "@/lib/management/http";
import { MANAGEMENT_KEY_PREFIX } from "@/lib/management/keys";

// SECURITY.md states what the code does (issue 21 item 7): every number it gives for sign-in
// throttling, the per-IP limits, the account ceiling and the nesting limit is read here from
// the modules the code uses, and a page that says otherwise fails.

const doc = fs.readFileSync(path.join(import.meta.dirname, "../../SECURITY.md"), "utf8").replace(/\s+/g, " ");
const all = (re: RegExp) => [...doc.matchAll(re)];

describe("SECURITY.md", () => {
  it("gives the sign-in throttling numbers of lib/auth/throttle.ts, wherever it states them", () => {
    const free = all(/after (\d+) failures for an email \((\d+) for an IP\)/gi);
    expect(free.length).toBeGreaterThanOrEqual(2);
    for (const m of free) expect([Number(m[1]), Number(m[2])]).toEqual([FREE_FAILURES_PER_EMAIL, FREE_FAILURES_PER_IP]);
    const longest = all(/1, 2, 4, … seconds, at most (\d+) s\b/g);
    expect(longest.length).toBeGreaterThanOrEqual(2);
    for (const m of longest) expect(Number(m[1])).toBe(MAX_DELAY_SECONDS);
    expect(doc).toContain(`over the last ${THROTTLE_WINDOW_MS / 60_000} minutes`);
    expect(doc).toContain("over the last hour");
    expect(THROTTLE_WINDOW_MS).toBe(3_600_000);
    expect(doc).not.toMatch(/over 15 minutes/);
  });

  it("gives the per-IP limits of lib/auth/ip-limits.ts", () => {
    const signup = all(/sign-up \((\d+)\/hour\)/g);
    const signin = all(/sign-in attempts \((\d+)\/minute\)/g);
    expect(signup.length).toBeGreaterThanOrEqual(2);
    expect(signin.length).toBeGreaterThanOrEqual(2);
    for (const m of signup) expect(Number(m[1])).toBe(DEFAULT_SIGNUPS_PER_HOUR);
    for (const m of signin) expect(Number(m[1])).toBe(DEFAULT_SIGNINS_PER_MINUTE);
  });

  it("says /admin answers 403 (never a 404) for anyone who is not an administrator", () => {
    expect(all(/`\/admin` answers 403 for anyone who is not an administrator/g).length).toBeGreaterThanOrEqual(2);
    expect(doc).not.toMatch(/`\/admin` is a 404/);
  });

  it("gives the account ceilings of lib/ratelimit/tiers.ts and the nesting limit of lib/api/body.ts", () => {
    const ceilings = TIER_LIST.map((t) => `${t.name} ${t.accountRequestsPerMinute}`).join(", ");
    expect(all(new RegExp(`Free \\d+, Elevated \\d+, Paid \\d+`, "g")).map((m) => m[0])).toEqual([ceilings, ceilings]);
    for (const m of all(/nested deeper than (\d+) levels|nesting limit of (\d+) levels/g)) expect(Number(m[1] ?? m[2])).toBe(MAX_JSON_DEPTH);
    expect(all(/nested deeper than (\d+) levels|nesting limit of (\d+) levels/g).length).toBeGreaterThanOrEqual(2);
  });

  it("gives the management keys' prefix and rate limit of lib/management", () => {
    expect(doc).toContain(`(\`${MANAGEMENT_KEY_PREFIX}\` + 40 base62 characters)`);
    expect(doc).toContain(`limited to ${MANAGEMENT_RATE_LIMIT_PER_MINUTE} requests a minute each`);
  });
});
