import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

// Helpers for the specs that walk every page: which pages exist (read from the site's own
// navigation, so a page added to a nav is covered without editing a list), the 390 px
// overflow check and the axe-core check.

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** The public pages: landing, pricing, sign-in/up, and every page the docs sidebar links to. */
export async function publicPages(page: Page): Promise<string[]> {
  await page.goto("/docs");
  const docs = await hrefsIn(page, '[data-testid="docs-nav"] a');
  return unique(["/", "/pricing", "/login", "/signup", "/forgot-password", "/reset-password", "/verify-email", ...docs]);
}

/** Every page the dashboard's nav links to (signed in), plus the given extra paths. */
export async function dashboardPages(page: Page, extra: string[] = []): Promise<string[]> {
  await page.goto("/dashboard");
  const nav = await hrefsIn(page, '[data-testid="dashboard-nav"] a');
  return unique([...nav.filter((h) => h.startsWith("/dashboard") || h === "/admin"), ...extra]);
}

async function hrefsIn(page: Page, selector: string): Promise<string[]> {
  const hrefs = await page.locator(selector).evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href") ?? ""));
  return hrefs.filter((h) => h.startsWith("/") && !h.includes("."));
}

const unique = (xs: string[]) => [...new Set(xs)];

/** The document is no wider than the viewport (a wide table may scroll inside itself). */
export async function expectNoHorizontalOverflow(page: Page, path: string, opts: { soft?: boolean } = {}) {
  const { scrollWidth, innerWidth, culprit } = await page.evaluate(() => {
    const vw = window.innerWidth;
    // Names the first offender outside a scrolling box (content of a box that scrolls or clips
    // does not widen the page), so a failure says what to fix.
    const clipped = (el: Element) => {
      // (An absolutely positioned element escapes a scrolling ancestor that is not positioned: not counted as clipped.)
      if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== "visible") return true;
      return false;
    };
    let culprit = "";
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const r = el.getBoundingClientRect();
      if (r.right > vw + 1 && !culprit && !clipped(el)) {
        const path = [el, el.parentElement, el.parentElement?.parentElement]
          .map((e) => (e ? `${e.tagName.toLowerCase()}.${(e as HTMLElement).className}` : ""))
          .join(" < ");
        culprit = `${path} (${Math.round(r.right)} px)`;
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, culprit };
  });
  (opts.soft ? expect.soft : expect)(
    scrollWidth,
    `${path} is ${scrollWidth} px wide at ${innerWidth} px; first element past the edge: ${culprit}`,
  ).toBeLessThanOrEqual(innerWidth);
}

/** axe-core (WCAG 2.0/2.1 A and AA rules): no serious or critical violation on the page as shown. */
export async function expectAccessible(page: Page, path: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = bad
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join("\n    ")}`,
    )
    .join("\n  ");
  expect(bad, `${path}: axe violations\n  ${report}`).toEqual([]);
}

/** axe-core, every rule of WCAG 2.0/2.1 A and AA plus best practices: no violation of any impact. */
export async function expectAxeClean(page: Page, path: string, opts: { soft?: boolean } = {}) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const report = results.violations
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join("\n    ")}`,
    )
    .join("\n  ");
  // Soft: a walk over every page reports every page's violations in one run.
  (opts.soft ? expect.soft : expect)(
    results.violations.map((v) => v.id),
    `${path}: axe violations\n  ${report}`,
  ).toEqual([]);
}

/**
 * Collects what the browser reports as errors (uncaught exceptions and console errors:
 * React's hydration errors #418/#423/#425 among them) from now on.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /hydrat|Minified React error|#418|#423|#425/i.test(m.text())) errors.push(`${page.url()}: ${m.text()}`);
  });
  return errors;
}
