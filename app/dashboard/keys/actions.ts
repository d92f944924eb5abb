"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createApiKey, KEY_NAME_MAX, KeyLimitError, ProjectNotFoundError, renameApiKey, revokeApiKey, UnverifiedAccountError } from "@/lib/api-keys";
import { keyCreator } from "@/lib/api-keys/dashboard";
import { currentAccount, type CurrentAccount } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/orgs/roles";
import { setKeySpendLimit } from "@/lib/api-keys/spend-limit";
import { SPEND_LIMIT_PERIODS } from "@/lib/metering/spend-limits";
import { formatMoney, parseUsd } from "@/lib/money";

export type CreateKeyState = { ok: true; secret: string; name: string; id: string } | { ok: false; error: string } | undefined;

const nameSchema = z
  .string()
  .trim()
  .min(1, "Give the key a name, e.g. the app or environment that will use it.")
  .max(KEY_NAME_MAX, `Key names are at most ${KEY_NAME_MAX} characters.`);

// Every action takes the organization from the session, never from the form: a key id
// from another organization simply matches nothing. Roles (lib/orgs/roles.ts): keys.own to
// create a key and to change one's own keys; keys.manage to change anyone's in the organization.

/** Why the session may not change this key (null: it may). */
async function refuseKey(session: CurrentAccount, keyId: string): Promise<string | null> {
  if (!session.can("keys.own")) return new ForbiddenError("keys.own").message;
  const creator = await keyCreator(session.db, { accountId: session.account.id, keyId });
  if (!creator) return "That key does not exist in your account.";
  if (creator !== session.userId && !session.can("keys.manage")) return new ForbiddenError("keys.manage").message;
  return null;
}

export async function createKeyAction(_prev: CreateKeyState, form: FormData): Promise<CreateKeyState> {
  const session = await currentAccount();
  if (!session) return { ok: false, error: "Your session has ended. Sign in again." };
  if (!session.can("keys.own")) return { ok: false, error: new ForbiddenError("keys.own").message };
  const name = nameSchema.safeParse(form.get("name") ?? "");
  if (!name.success) return { ok: false, error: name.error.issues[0].message };
  // The project picker (issue 24); none chosen: the organization's Default project.
  const project = form.get("project");
  const projectId = typeof project === "string" && project ? project : undefined;
  let key;
  try {
    key = await createApiKey(session.db, { accountId: session.account.id, userId: session.userId, name: name.data, projectId });
  } catch (err) {
    if (err instanceof KeyLimitError || err instanceof UnverifiedAccountError) return { ok: false, error: err.message };
    if (err instanceof ProjectNotFoundError) return { ok: false, error: "That project does not exist in this organization (or is archived)." };
    throw err;
  }
  revalidatePath("/dashboard/keys");
  return { ok: true, secret: key.secret, name: key.name, id: key.id };
}

export async function revokeKeyAction(form: FormData): Promise<void> {
  const session = await currentAccount();
  if (!session) return;
  const keyId = form.get("keyId");
  if (typeof keyId !== "string") return;
  if (await refuseKey(session, keyId)) return;
  await revokeApiKey(session.db, { accountId: session.account.id, keyId });
  revalidatePath("/dashboard/keys");
}

export type KeyEditState = { ok: true; message: string } | { ok: false; error: string } | undefined;

export async function renameKeyAction(_prev: KeyEditState, form: FormData): Promise<KeyEditState> {
  const session = await currentAccount();
  if (!session) return { ok: false, error: "Your session has ended. Sign in again." };
  const keyId = form.get("keyId");
  const name = nameSchema.safeParse(form.get("name") ?? "");
  if (typeof keyId !== "string") return { ok: false, error: "No key given." };
  if (!name.success) return { ok: false, error: name.error.issues[0].message };
  const refused = await refuseKey(session, keyId);
  if (refused) return { ok: false, error: refused };
  const done = await renameApiKey(session.db, { accountId: session.account.id, keyId, name: name.data });
  if (!done) return { ok: false, error: "That key does not exist in your account." };
  revalidatePath("/dashboard/keys");
  return { ok: true, message: `Renamed to “${name.data}”.` };
}

const limitSchema = z.object({
  keyId: z.string().min(1),
  period: z.enum(SPEND_LIMIT_PERIODS, { message: `Choose a period: ${SPEND_LIMIT_PERIODS.join(", ")}.` }),
  limit: z.string().trim(),
});

/** Sets a key's spend limit, or clears it when the form says clear (or the amount is empty). */
export async function setKeyLimitAction(_prev: KeyEditState, form: FormData): Promise<KeyEditState> {
  const session = await currentAccount();
  if (!session) return { ok: false, error: "Your session has ended. Sign in again." };
  const keyId = form.get("keyId");
  if (typeof keyId !== "string") return { ok: false, error: "No key given." };
  // A key's spend limit: its creator, or keys.manage.
  const refused = await refuseKey(session, keyId);
  if (refused) return { ok: false, error: refused };
  const clear = form.get("intent") === "clear" || String(form.get("limit") ?? "").trim() === "";
  if (clear) {
    const done = await setKeySpendLimit(session.db, { accountId: session.account.id, keyId, limitMicroUsd: null, period: null });
    if (!done) return { ok: false, error: "That key does not exist in your account." };
    revalidatePath("/dashboard/keys");
    return { ok: true, message: "Spend limit removed: the key can spend up to your balance." };
  }
  const parsed = limitSchema.safeParse({ keyId, period: form.get("period"), limit: form.get("limit") ?? "" });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0].message };
  const limitMicroUsd = parseUsd(parsed.data.limit);
  if (limitMicroUsd === null) return { ok: false, error: "Enter the limit in dollars, e.g. 25 or 2.50 (at most 2 decimals)." };
  const done = await setKeySpendLimit(session.db, { accountId: session.account.id, keyId, limitMicroUsd, period: parsed.data.period });
  if (!done) return { ok: false, error: "That key does not exist in your account." };
  revalidatePath("/dashboard/keys");
  return { ok: true, message: `Limit set: ${formatMoney(limitMicroUsd)} ${parsed.data.period === "total" ? "in total" : parsed.data.period}.` };
}
