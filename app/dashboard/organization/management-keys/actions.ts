"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { currentAccount } from "@/lib/auth/session";
import { createManagementKey, MANAGEMENT_KEY_NAME_MAX, ManagementKeyForbiddenError, revokeManagementKey } from "@/lib/management/keys";
import { ForbiddenError } from "@/lib/orgs/roles";

export type CreateManagementKeyState = { ok: true; secret: string; name: string; id: string } | { ok: false; error: string } | undefined;

const PATH = "/dashboard/organization/management-keys";

const nameSchema = z
  .string()
  .trim()
  .min(1, "Give the key a name, e.g. the system that will use it.")
  .max(MANAGEMENT_KEY_NAME_MAX, `Key names are at most ${MANAGEMENT_KEY_NAME_MAX} characters.`);

// The organization and the role come from the session (never the form); both actions are
// refused, like the page, unless the role has management_keys.manage.
export async function createManagementKeyAction(_prev: CreateManagementKeyState, form: FormData): Promise<CreateManagementKeyState> {
  const session = await currentAccount();
  if (!session) return { ok: false, error: "Your session has ended. Sign in again." };
  if (!session.can("management_keys.manage")) return { ok: false, error: new ForbiddenError("management_keys.manage").message };
  const name = nameSchema.safeParse(form.get("name") ?? "");
  if (!name.success) return { ok: false, error: name.error.issues[0].message };
  try {
    const key = await createManagementKey(session.db, { accountId: session.account.id, userId: session.userId, name: name.data });
    revalidatePath(PATH);
    return { ok: true, secret: key.secret, name: key.name, id: key.id };
  } catch (err) {
    if (err instanceof ManagementKeyForbiddenError)
      return { ok: false, error: "Verify your email address first: only verified owners and admins create management keys." };
    throw err;
  }
}

export async function revokeManagementKeyAction(form: FormData): Promise<void> {
  const session = await currentAccount();
  if (!session || !session.can("management_keys.manage")) return;
  const keyId = form.get("keyId");
  if (typeof keyId !== "string") return;
  await revokeManagementKey(session.db, { accountId: session.account.id, keyId });
  revalidatePath(PATH);
}
