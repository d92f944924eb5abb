import { ActionForm } from "@/components/orgs/action-form";
import { VerifyFirst } from "@/components/auth/verify-first";
import { Card } from "@/components/ui/card";
import { requireAccount } from "@/lib/auth/session";
import { ORG_NAME_MAX } from "@/lib/orgs";
import { createOrganizationAction } from "../actions";

export const metadata = { title: "Create organization · Metered" };

export default async function NewOrganizationPage() {
  const { emailVerifiedAt } = await requireAccount();
  return (
    <>
      <h1>Create an organization</h1>
      <p className="text-muted-foreground">
        An organization has its own balance, keys, projects and usage, and members you invite with a role. You are its owner. It starts at $0.00: the free
        credit comes once per person and is on your personal organization. Switch between organizations from the menu at the top.
      </p>
      {emailVerifiedAt ? (
        <Card>
          <ActionForm action={createOrganizationAction} testId="create-org" submit="Create organization">
            <div>
              <label htmlFor="create-org-name">Name</label>
              <input id="create-org-name" name="name" required maxLength={ORG_NAME_MAX} autoComplete="organization" data-testid="create-org-name" />
            </div>
          </ActionForm>
        </Card>
      ) : (
        <VerifyFirst />
      )}
    </>
  );
}
