import { defineConfig } from "drizzle-kit";

// Only `generate` is used: migrations are applied by db/migrate.ts (on app start and
// in tests), never by drizzle-kit talking to a live database.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
