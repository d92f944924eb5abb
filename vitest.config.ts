import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "db/**/*.test.ts", "devtools/**/*.test.ts", "tests/**/*.test.ts"],
    // tests/server/** start the built app: they run from vitest.server.config.ts after the build;
    // tests/faults/** too, from vitest.faults.config.ts (`npm run test:faults`).
    exclude: ["tests/server/**", "tests/faults/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each create their own database; a few at a time is plenty on 2 cores.
    maxWorkers: 2,
    // A test file that also runs on embedded PGlite (`npm run test:pglite`: the database
    // core, the same schema and migrations on both) says so in its first line:
    //   // @module-tag pglite
    tags: [{ name: "pglite", description: "also runs on embedded PGlite (npm run test:pglite)" }],
  },
});
