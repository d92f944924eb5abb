import path from "node:path";
import { defineConfig } from "vitest/config";

// Fault tests (`npm run test:faults`): they start the built app and take its dependencies
// away (PostgreSQL behind a cuttable TCP proxy, Redis on a port that never answers) or
// kill it with SIGKILL. Slow by nature, one file at a time; scripts/test.sh runs them
// after the server tests. See SECURITY.md.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/faults/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 10 * 60_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
