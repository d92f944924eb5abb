import { modelNotAllowedError, projectBudgetError } from "@/lib/metering/project-limits";
import { code, h2, link, p, type Block, type DocPageSource } from "../types";

// The bodies below are made by the same functions the /v1 path throws
// (lib/metering/project-limits.ts), so the docs quote the API's own messages.

const json = (body: unknown, testId: string): Block => ({ kind: "code", lang: "json", testId, text: JSON.stringify(body, null, 2) });

export const projectsDoc: DocPageSource = {
  slug: "projects",
  title: "Projects",
  summary: () =>
    "Every API key belongs to a project of its organization; a project can have a monthly budget (402 project_budget_exceeded) and a model allowlist (403 model_not_allowed).",
  blocks: () => {
    const budget = projectBudgetError({
      name: "Research",
      budgetMicroUsd: 50_000_000n,
      spentMicroUsd: 49_998_800n,
      worstMicroUsd: 1_500n,
      now: new Date(Date.UTC(2026, 0, 15)),
    });
    const notAllowed = modelNotAllowedError("Research", "local/echo-chat", ["local/lorem-chat"]);
    return [
      p(
        "An organization's API keys are grouped in projects. Every organization has a ",
        code("Default"),
        " project (keys are made there unless you pick another). Owners and admins manage projects on the dashboard's Projects page; everyone in the organization can see them, with this month's spend.",
      ),
      h2("Monthly budget"),
      p(
        "A project may have a budget in USD per calendar month (UTC). Its spend is what its keys' requests cost this month plus what running requests hold. A request is refused when holding its worst case would take the project above its budget, with ",
        code("402"),
        " and the code ",
        code("project_budget_exceeded"),
        ". The hold is taken under a lock on the project, so concurrent requests can never jointly pass the budget, and a request is charged what it really used (never more than its hold). Nothing is charged for a refused request. The budget resets on the first of the next month, 00:00 UTC. A budget of $0 stops the project; a change applies to the next request.",
      ),
      json(budget.toJSON(), "example-project-budget"),
      p(
        "A key's own spend limit still applies too: the tighter of the two refuses, each with its own code (see ",
        link("When credit runs out", "/docs/out-of-credit"),
        ").",
      ),
      h2("Model allowlist"),
      p(
        "A project may allow only some models. A request for another model is refused with ",
        code("403"),
        " and the code ",
        code("model_not_allowed"),
        " before anything is held or sent to a model:",
      ),
      json(notAllowed.toJSON(), "example-model-not-allowed"),
      h2("Archiving a project"),
      p(
        "Archiving a project revokes its keys at once (they answer ",
        code("401"),
        " on every instance within seconds) and hides the project; its usage stays in the usage pages. The Default project cannot be archived.",
      ),
    ];
  },
};
