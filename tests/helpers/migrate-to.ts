import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as run } from "drizzle-orm/postgres-js/migrator";
import { migrationsFolder } from "@/db/migrate";
import { ADMIN_URL } from "./db";
import { randomBase62 } from "@/lib/ids";

// Migration tests need a database as it was before a migration: the committed migrations up
// to and including `tag` are applied from a copy of the folder whose journal stops there.
// db/migrate.ts's migrate() then applies the rest, as a deployment would.

export async function migrateUpTo(databaseUrl: string, tag: string): Promise<void> {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8"));
  const last = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
  if (last < 0) throw new Error(`migrateUpTo: no migration tagged ${tag}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  try {
    fs.mkdirSync(path.join(dir, "meta"));
    const entries = journal.entries.slice(0, last + 1);
    fs.writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify({ ...journal, entries }));
    for (const e of entries) fs.copyFileSync(path.join(migrationsFolder, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
    const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await run(drizzle(client), { migrationsFolder: dir });
    } finally {
      await client.end({ timeout: 5 });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An empty scratch database on the test PostgreSQL (not migrated); drop() removes it. */
export async function createEmptyPostgresDb(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `test_${randomBase62(12).toLowerCase()}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return {
    url: ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`),
    drop: async () => {
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
