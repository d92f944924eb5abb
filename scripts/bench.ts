// `npm run bench -- <name> [args]` runs scripts/bench/<name>.ts, whose default export is
// `(args: string[]) => Promise<void>`. Add a benchmark by adding a file there.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const dir = path.join(import.meta.dirname, "bench");
const available = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.slice(0, -3))
      .sort()
  : [];
const [name, ...args] = process.argv.slice(2);

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]\navailable: ${available.join(", ") || "(none)"}`);
  process.exit(name ? 1 : 0);
}
const mod = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { default?: (args: string[]) => Promise<void> };
// A benchmark either exports its entry point or runs at import (top-level await).
if (typeof mod.default === "function") await mod.default(args);
