import fs from "node:fs";
import path from "node:path";

// Each benchmark owns one section of docs/benchmarks.md, between
// `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->`, and rewrites only that.
// Other sections (and their markers) are left byte for byte. A section that predates the
// markers is found by its heading, up to the next marker or heading.
export function writeDocSection(name: string, heading: string, body: string): void {
  const file = path.join(process.cwd(), "docs", "benchmarks.md");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let doc = fs.existsSync(file)
    ? fs.readFileSync(file, "utf8")
    : "# Benchmarks\n\nFigures measured on this project's machines by the scripts in `scripts/bench/`.\n";
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const section = `${start}\n${heading}\n\n${body.trim()}\n${end}`;
  let from = doc.indexOf(start);
  let to = from >= 0 ? doc.indexOf(end, from) : -1;
  if (from >= 0 && to >= 0) {
    to += end.length;
  } else {
    from = doc.indexOf(heading);
    if (from >= 0) {
      const rest = doc.slice(from + heading.length);
      const stops = [rest.indexOf("\n<!-- bench:"), rest.indexOf("\n## ")].filter((i) => i >= 0);
      to = stops.length ? from + heading.length + Math.min(...stops) : doc.length;
    }
  }
  doc = from >= 0 ? doc.slice(0, from) + section + doc.slice(to) : doc.trimEnd() + "\n\n" + section + "\n";
  fs.writeFileSync(file, doc);
}
