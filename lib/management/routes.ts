import { createKey, deleteKey, getKey, listKeys, updateKey } from "./api-keys";
import { readCredits, readUsage } from "./credits-usage";
import { json, parseInput, queryOf, readJson, withManagementKey } from "./http";
import { openApiDocument } from "./openapi";
import { createKeyBody, updateKeyBody, usageQuery } from "./schemas";

// The management API's route handlers (app/api/v1/** re-exports them): thin, each parses its
// input with the shared schema and calls one function of this module.

type IdParams = { id: string };

export const keysPost = withManagementKey(async ({ req, db, mkey }) => {
  const body = parseInput(createKeyBody, await readJson(req));
  const { secret, data } = await createKey(db, mkey, body);
  return json({ key: secret, data }, 201);
});

export const keysGet = withManagementKey(async ({ db, mkey }) => json({ data: await listKeys(db, mkey) }));

export const keyGet = withManagementKey<IdParams>(async ({ db, mkey, params }) => json({ data: await getKey(db, mkey, params.id) }));

export const keyPatch = withManagementKey<IdParams>(async ({ req, db, mkey, params }) => {
  const body = parseInput(updateKeyBody, await readJson(req));
  return json({ data: await updateKey(db, mkey, params.id, body) });
});

export const keyDelete = withManagementKey<IdParams>(async ({ db, mkey, params }) => json({ data: await deleteKey(db, mkey, params.id) }));

export const creditsGet = withManagementKey(async ({ db, mkey }) => json({ data: await readCredits(db, mkey.accountId) }));

export const usageGet = withManagementKey(async ({ req, db, mkey }) => json(await readUsage(db, mkey.accountId, parseInput(usageQuery, queryOf(req)))));

/** Public: the document describes the API, it grants nothing. */
export async function openApiGet(): Promise<Response> {
  return Response.json(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}
