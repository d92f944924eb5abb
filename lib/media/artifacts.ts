import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { artifacts } from "@/db/schema";
import { randomBase62 } from "@/lib/ids";

// Stored generated media. Ids are long random capabilities (`art_` + 24 base62 ≈ 143
// bits): an image URL works without an API key, as OpenAI's image URLs do, until it
// expires.

export const IMAGE_URL_TTL_SECONDS = 60 * 60;

export function newArtifactId(): string {
  return `art_${randomBase62(24)}`;
}

export async function storeArtifact(
  db: Queryable,
  input: { accountId: string; contentType: string; bytes: Uint8Array; ttlSeconds?: number | null; id?: string },
): Promise<string> {
  const id = input.id ?? newArtifactId();
  await db.insert(artifacts).values({
    id,
    accountId: input.accountId,
    contentType: input.contentType,
    byteLength: input.bytes.byteLength,
    bytes: Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength),
    expiresAt: input.ttlSeconds ? new Date(Date.now() + input.ttlSeconds * 1000) : null,
  });
  return id;
}

/** The artifact if it exists and has not expired (optionally only for one account). */
export async function loadArtifact(db: Queryable, input: { id: string; accountId?: string }) {
  const now = new Date();
  const [row] = await db
    .select()
    .from(artifacts)
    .where(
      and(
        eq(artifacts.id, input.id),
        input.accountId ? eq(artifacts.accountId, input.accountId) : undefined,
        or(isNull(artifacts.expiresAt), gt(artifacts.expiresAt, now)),
      ),
    );
  return row ?? null;
}

/**
 * Deletes every artifact past its expiry (images' URLs, finished videos' content: they
 * are refused from that moment by loadArtifact()), unlinking each from its video job in
 * the same statement; the jobs themselves, with their cost, stay. Works in statements of
 * `batch` rows until a short one; safe on several instances at once (SKIP LOCKED).
 * Returns how many were deleted.
 */
export async function purgeExpiredArtifacts(db: Queryable, opts: { batch?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 200;
  let total = 0;
  for (;;) {
    const deleted = await rows<{ id: string }>(
      db,
      sql`with gone as (
            select id from artifacts
             where expires_at <= now()
             order by expires_at
             limit ${batch}
               for update skip locked),
          unlinked as (
            update video_jobs set artifact_id = null where artifact_id in (select id from gone))
          delete from artifacts a using gone where a.id = gone.id
          returning a.id`,
    );
    total += deleted.length;
    if (deleted.length < batch) return total;
  }
}
