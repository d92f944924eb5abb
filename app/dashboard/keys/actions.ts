"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createApiKey, KEY_NAME_MAX, KeyLimitError, renameApiKey, revokeApiKey, UnverifiedAccountError } from "@/lib/api-keys";
import { currentAccount } from "@/lib/auth/session";
import { setKeySpendLimit } from "@/lib/api-keys/spend-limit";
import { SPEND_LIMIT_PERIODS } from "@/lib/metering/spend-limits";
import { formatMoney, parseUsd } from "@/lib/money";

export type CreateKeyState = { ok: true; secret: string; name: string; id: string } | { ok: false; error: string } | undefined;

const nameSchema = z
  .string()
  .trim()
  .min(1, "Give the key a name, e.g. the app or environment that will use it.")
  .max(KEY_NAME_MAX, `Key names are at most ${KEY_NAME_MAX} characters.`);

// Both actions take the account from the session, never from the form: a key id from
// another account simply matches nothing.
export async function createKeyAction(_prev: CreateKeyState, form: FormData): Promise<CreateKeyState> {
  const session = await currentAccount();
  if (!session) return { ok: false, error: "Your session has ended. Sign in again." };
  const name = nameSchema.safeParse(form.get("name") ?? "");
  if (!name.success) return { ok: false, error: name.error.issues[0].message };
  let key;
  try {
    key = await createApiKey(session.db, { accountId: session.account.id, userId: session.userId, name: name.data });
  } catch (err) {
    if (err instanceof KeyLimitError || err instanceof UnverifiedAccountError) return { ok: false, error: err.message };
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
