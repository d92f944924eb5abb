import { DEFAULT_PROJECT_NAME } from "@/lib/accounts";
import { requirePermission } from "@/lib/auth/session";
import { getCatalog, MODALITY_NAMES } from "@/lib/catalog";
import { monthEnd } from "@/lib/ledger/project-budget";
import { formatDateTime } from "@/lib/format/date";
import { formatMoney, microToUsdString } from "@/lib/money";
import { projectsOverview } from "@/lib/projects";
import { StackTable } from "@/components/ui/table";
import { archiveProjectAction, createProjectAction, renameProjectAction, setProjectBudgetAction, setProjectModelsAction } from "./actions";
import { ArchiveProjectButton, CreateProjectForm, ProjectSettings, type ModelOption } from "./project-forms";

export const metadata = { title: "Projects · Metered" };

/** This month's spend against the budget: a bar (decorative; the figures are in the text beside it). */
function SpendBar({ spent, budget }: { spent: bigint; budget: bigint }) {
  const pct = budget === 0n ? 100 : Number((spent * 1000n) / budget) / 10;
  const width = Math.min(100, pct);
  const tone = pct >= 100 ? "bg-destructive" : pct >= 80 ? "bg-warning" : "bg-primary";
  return (
    <div aria-hidden="true" className="mt-1 h-1.5 w-full max-w-40 overflow-hidden rounded-full bg-muted" data-testid="project-spend-bar">
      <div className={`h-full ${tone}`} style={{ width: `${width}%` }} />
    </div>
  );
}

export default async function ProjectsPage() {
  const current = await requirePermission("org.view");
  const { db, account } = current;
  const canManage = current.can("projects.manage");
  const list = await projectsOverview(db, account.id);
  const models: ModelOption[] = getCatalog().models.map((m) => ({ id: m.id, group: MODALITY_NAMES[m.modality] }));
  return (
    <>
      <h1>Projects</h1>
      <p className="text-muted-foreground">
        Every API key belongs to a project. A project can have a monthly budget (requests beyond it are refused with 402) and a model allowlist (other models
        are refused with 403). Budgets restart on the 1st of each month at 00:00 UTC (next: {formatDateTime(monthEnd())}).
      </p>
      {canManage ? (
        <CreateProjectForm action={createProjectAction} />
      ) : (
        <p className="text-muted-foreground" data-testid="projects-read-only">
          Owners and admins of the organization manage its projects.
        </p>
      )}
      <h2>This organization’s projects</h2>
      <StackTable data-testid="projects-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Active keys</th>
            <th>This month</th>
            <th>Models</th>
            {canManage && (
              <th>
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {list.map((p) => {
            const budget = p.monthlyBudgetMicroUsd;
            const spent = p.spend.spentMicroUsd;
            const isDefault = p.name === DEFAULT_PROJECT_NAME;
            return (
              <tr key={p.id} data-testid="project-row" data-project-id={p.id}>
                <td data-label="Name" className="font-medium" data-testid="project-name-cell">
                  {p.name}
                </td>
                <td data-label="Active keys" data-testid="project-keys">
                  {p.activeKeys}
                </td>
                <td data-label="This month" data-testid="project-spend">
                  {budget === null ? (
                    <>
                      {formatMoney(spent)} <span className="text-muted-foreground">(no budget)</span>
                    </>
                  ) : (
                    <>
                      {formatMoney(spent)} of {formatMoney(budget)}
                      <SpendBar spent={spent} budget={budget} />
                    </>
                  )}
                </td>
                <td data-label="Models" data-testid="project-models">
                  {p.allowedModels === null ? (
                    <span className="text-muted-foreground">all</span>
                  ) : p.allowedModels.length === 0 ? (
                    "none"
                  ) : (
                    <span className="break-all">{p.allowedModels.join(", ")}</span>
                  )}
                </td>
                {canManage && (
                  <td data-label="Actions">
                    <div className="flex items-start gap-2">
                      <ProjectSettings
                        projectId={p.id}
                        name={p.name}
                        isDefault={isDefault}
                        budgetUsd={budget === null ? "" : microToUsdString(budget)}
                        allowedModels={p.allowedModels}
                        models={models}
                        renameAction={renameProjectAction}
                        budgetAction={setProjectBudgetAction}
                        modelsAction={setProjectModelsAction}
                      />
                      {!isDefault && <ArchiveProjectButton projectId={p.id} name={p.name} action={archiveProjectAction} />}
                    </div>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </StackTable>
    </>
  );
}
