import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { DIRECT_ROUTES } from "@/app/v1/direct";

// Every fixed-path route under app/v1 is served directly in production, except those that
// need Next.js's request scope; a new route cannot be forgotten, nor a removed one linger.
const LEFT_TO_NEXT = new Set(["/v1/videos"]); // its rendering runs in next/server's after()

function fixedPathRoutes(dir: string, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith("[")) out.push(...fixedPathRoutes(path.join(dir, entry.name), `${prefix}/${entry.name}`));
    if (entry.isFile() && entry.name === "route.ts") out.push(prefix);
  }
  return out;
}

describe("the /v1 routes served beside Next.js", () => {
  it("are every fixed-path route under app/v1 but those that need Next's request scope", () => {
    const routes = fixedPathRoutes(path.resolve(import.meta.dirname, "../../app/v1"), "/v1").sort();
    expect([...DIRECT_ROUTES.keys()].sort()).toEqual(routes.filter((r) => !LEFT_TO_NEXT.has(r)));
  });

  it("each export the route module's own handlers", () => {
    for (const [p, mod] of DIRECT_ROUTES) expect([p, typeof mod.POST === "function" || typeof mod.GET === "function"]).toEqual([p, true]);
  });
});
