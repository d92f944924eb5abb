import { describe, expect, it } from "vitest";
import { buildDocPage } from "@/lib/docs";
import type { Block } from "@/lib/docs/types";

// The organizations docs page states the role rules the app enforces (lib/orgs/roles.ts).

describe("docs: organizations and members", () => {
  it("shows the role table the permission checks use, and the invitation's 7 days", async () => {
    const page = (await buildDocPage("organizations", { origin: "http://app.test" }))!;
    const table = page.blocks.find((b): b is Extract<Block, { kind: "table" }> => b.kind === "table")!;
    expect(table.head).toEqual(["Action", "Owner", "Admin", "Billing", "Member"]);
    const row = (label: RegExp) =>
      table.rows
        .find((r) => label.test(String(r[0][0])))!
        .slice(1)
        .map((c) => c[0]);
    expect(row(/^Invite members/)).toEqual(["yes", "yes", "—", "—"]);
    expect(row(/^Cards, top-ups/)).toEqual(["yes", "—", "yes", "—"]);
    expect(row(/^Create and revoke their own/)).toEqual(["yes", "yes", "—", "yes"]);
    expect(row(/^See the balance/)).toEqual(["yes", "yes", "yes", "yes"]);
    expect(JSON.stringify(page.blocks)).toContain("7 days");
  });
});
