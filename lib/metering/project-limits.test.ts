import { describe, expect, it } from "vitest";
import { monthEnd, monthStart } from "@/lib/ledger/project-budget";
import { modelNotAllowedError, projectBudgetError } from "./project-limits";

describe("project budget months (UTC calendar months)", () => {
  it("start on the 1st at 00:00 UTC and reset on the 1st of the next month, across a year's end", () => {
    expect(monthStart(new Date("2026-12-31T23:59:59.999Z")).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(monthEnd(new Date("2026-12-31T23:59:59.999Z")).toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(monthStart(new Date("2027-01-01T00:00:00.000Z")).toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(monthEnd(new Date("2028-02-29T12:00:00Z")).toISOString()).toBe("2028-03-01T00:00:00.000Z");
  });
});

describe("project refusals", () => {
  it("402 project_budget_exceeded names the project, the budget, the spend, the reset and what to do", () => {
    const e = projectBudgetError({
      name: "Web",
      budgetMicroUsd: 5_000_000n,
      spentMicroUsd: 4_999_999n,
      worstMicroUsd: 2n,
      now: new Date("2026-12-08T00:00:00Z"),
    });
    expect(e.status).toBe(402);
    expect(e.toJSON().error).toMatchObject({ code: "project_budget_exceeded", type: "insufficient_quota", param: null });
    for (const part of ['"Web"', "$5", "$4.999999", "$0.000002", "2027-01-01T00:00:00.000Z", "/dashboard/projects", "Nothing was charged"])
      expect(e.message).toContain(part);
  });

  it("403 model_not_allowed names the project, the model, what is allowed and where to change it", () => {
    const e = modelNotAllowedError("Web", "local/echo-chat", ["local/lorem-chat"]);
    expect(e.status).toBe(403);
    expect(e.toJSON().error).toMatchObject({ code: "model_not_allowed", type: "permission_error", param: "model" });
    for (const part of ['"Web"', "'local/echo-chat'", "only: local/lorem-chat", "/dashboard/projects"]) expect(e.message).toContain(part);
    expect(modelNotAllowedError("Web", "x", []).message).toContain("allows no model at all");
  });
});
