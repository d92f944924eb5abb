import path from "node:path";
import { defineConfig } from "vitest/config";

// Tests that start the real built app (`next start`) and talk to it over TCP.
// Run with: npx vitest run --config vitest.server.config.ts
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/server/**/*.test.ts"],
    testTimeout: 60_000,
    // The first run builds the app (NEXT_DIST_DIR=.next-test).
    hookTimeout: 10 * 60_000,
    maxWorkers: 1,
  },
});
