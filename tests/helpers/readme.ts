import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The fenced block after `<!-- sample:<id> ... -->` in README.md, or null when the marker is gone. */
export function readmeSample(id: string, readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8")): string | null {
  const marker = readme.indexOf(`<!-- sample:${id} `);
  if (marker < 0) return null;
  const m = /```[a-z]*\n([\s\S]*?)\n```/.exec(readme.slice(marker));
  return m ? m[1] : null;
}
