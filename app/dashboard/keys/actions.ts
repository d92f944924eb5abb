"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createApiKey, KEY_NAME_MAX, KeyLimitError, revokeApiKey } from "@/lib/api-keys";
import { currentAccount } from "@/lib/auth/session";

export type CreateKeyState =
  | { ok: true; secret: string; name: string; id: string }
  | { ok: false; error: string }
  | undefined;

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
    if (err instanceof KeyLimitError) return { ok: false, error: err.message };
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
