"use server";

import { revalidatePath } from "next/cache";
import { currentAccount } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/orgs/roles";
import { requestElevated } from "./index";

export type RequestElevatedState = { ok: true } | { ok: false; error: string } | undefined;

// The account is the session's, never the form's: the form carries only the reason.
export async function requestElevatedAction(_prev: RequestElevatedState, form: FormData): Promise<RequestElevatedState> {
  const session = await currentAccount();
  if (!session) return { ok: false, error: "Your session has ended. Sign in again." };
  // A tier change is a billing decision for the organization (lib/orgs/roles.ts).
  if (!session.can("billing.manage")) return { ok: false, error: new ForbiddenError("billing.manage").message };
  const result = await requestElevated(session.db, { accountId: session.account.id, userId: session.userId, reason: form.get("reason") });
  if (!result.ok) return { ok: false, error: result.message };
  revalidatePath("/dashboard");
  return { ok: true };
}
