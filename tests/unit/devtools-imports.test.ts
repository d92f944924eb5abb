import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Issue 12 item 6: production code holds production code. The Stripe test emulator and
// other development tools live in devtools/, which only scripts (the start script, the e2e
// server) and tests may load. Nothing the app builds from (app/, lib/, components/, db/,
// the proxy, instrumentation) may import it, statically or dynamically; and nothing of the
// emulator is served from public/.

const ROOT = path.resolve(import.meta.dirname, "../..");
const PRODUCTION = ["app", "lib", "components", "db", "proxy.ts", "instrumentation.ts", "instrumentation-node.ts", "next.config.js"];
const SOURCE = /\.(m?[jt]sx?)$/;

function files(p: string): string[] {
  const full = path.join(ROOT, p);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [p];
  return fs.readdirSync(full).flatMap((e) => files(path.join(p, e)));
}

/** Every module specifier in a file: import/export … from, import(), require(). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'`]([^"'`]+)["'`]/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1]);
  return out;
}

function reachesDevtools(file: string, spec: string): boolean {
  if (spec.startsWith("@/")) return spec === "@/devtools" || spec.startsWith("@/devtools/");
  if (!spec.startsWith(".")) return false;
  const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
  return target === "devtools" || target.startsWith(`devtools${path.sep}`);
}

describe("devtools/ stays out of production code", () => {
  it("the scanner sees every import form", () => {
    const src = `import a from "@/devtools/x";\nexport { b } from '../devtools/y';\nconst c = await import("@/devtools/z");\nimport "./side";\nconst d = require(\`../../devtools/w\`);`;
    expect(specifiers(src)).toEqual(["@/devtools/x", "../devtools/y", "@/devtools/z", "./side", "../../devtools/w"]);
    expect(reachesDevtools("lib/billing/x.ts", "../../devtools/stripe-emulator/server")).toBe(true);
    expect(reachesDevtools("lib/billing/x.ts", "./devtools")).toBe(false);
  });

  it("no file under app/, lib/, components/, db/ (or the proxy, instrumentation, next.config) imports devtools/", () => {
    const offenders: string[] = [];
    const scanned = PRODUCTION.flatMap(files).filter((f) => SOURCE.test(f) && !/\.test\.tsx?$/.test(f));
    expect(scanned.length).toBeGreaterThan(100);
    for (const f of scanned) {
      for (const spec of specifiers(fs.readFileSync(path.join(ROOT, f), "utf8"))) {
        if (reachesDevtools(f, spec)) offenders.push(`${f} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the emulator and its Stripe.js stand-in are in devtools/, not in lib/ or public/", () => {
    expect(fs.existsSync(path.join(ROOT, "devtools/stripe-emulator/server.ts"))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, "devtools/stripe-emulator/stripe.js"))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, "lib/billing/emulator"))).toBe(false);
    expect(files("public").filter((f) => /stripe/i.test(f))).toEqual([]);
  });
});
