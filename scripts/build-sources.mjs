// What the production build is made from: `npm start` (scripts/start.mjs) rebuilds when one of
// these is newer than the last build, and the tests' build (tests/helpers/server.ts) uses the
// same rule, so a build made by either is one the other does not redo. Tests are not in it.
import fs from "node:fs";
import path from "node:path";

export const BUILD_SOURCES = [
  "app",
  "components",
  "lib",
  "db",
  "public",
  "proxy.ts",
  "instrumentation.ts",
  "instrumentation-node.ts",
  "next.config.js",
  "package-lock.json",
];

/** The newest modification time (ms) of the build's sources under `root`; test files do not count. */
export function newestSourceMtime(root, sources = BUILD_SOURCES) {
  const newest = (p) => {
    let s;
    try {
      s = fs.statSync(p);
    } catch {
      return 0;
    }
    if (!s.isDirectory()) return /\.test\.tsx?$/.test(p) ? 0 : s.mtimeMs;
    return Math.max(0, ...fs.readdirSync(p).map((e) => newest(path.join(p, e))));
  };
  return Math.max(0, ...sources.map((s) => newest(path.join(root, s))));
}
