"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { findUserByEmail } from "@/lib/accounts";
import { currentAccount } from "@/lib/auth/session";
import { endSessionsAndPendingChanges } from "@/lib/auth/sessions";
import { decideTierRequest } from "@/lib/tiers";

export type DecideState = { ok: true; message: string } | { ok: false; error: string } | undefined;

const decisionSchema = z.enum(["approve", "decline"]);

// Admin-only (a verified address in ADMIN_EMAILS, or granted by the CLI: lib/auth/admin.ts).
// Who decides comes from the session; the form carries only the chosen request
// id (validated by decideTierRequest) and the decision.
export async function decideTierRequestAction(_prev: DecideState, form: FormData): Promise<DecideState> {
  const session = await currentAccount();
  if (!session?.isAdmin) return { ok: false, error: "Only administrators can decide tier requests." };
  const decision = decisionSchema.safeParse(form.get("decision"));
  if (!decision.success) return { ok: false, error: "Choose approve or decline." };
  const result = await decideTierRequest(session.db, { requestId: form.get("requestId"), decision: decision.data, adminUserId: session.userId });
  if (!result.ok) return { ok: false, error: result.message };
  revalidatePath("/admin");
  return { ok: true, message: result.status === "approved" ? `Approved: the account is now ${result.tier}.` : "Declined." };
}

/** Admin-only: ends every session and pending change by link of the user with this email (lib/auth/sessions.ts). */
export async function endUserSessionsAction(_prev: DecideState, form: FormData): Promise<DecideState> {
  const session = await currentAccount();
  if (!session?.isAdmin) return { ok: false, error: "Only administrators can end other users' sessions." };
  const email = form.get("email");
  const found = typeof email === "string" && email.trim() ? await findUserByEmail(session.db, email) : null;
  if (!found) return { ok: false, error: "No user has that email address." };
  await session.db.transaction((tx) => endSessionsAndPendingChanges(tx, found.user.id));
  return { ok: true, message: `Every session of ${found.user.email} has ended.` };
}
