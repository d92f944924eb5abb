import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Queryable } from "@/db/client";
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
