import { NavLinks } from "@/components/site/nav-links";
import { DOC_PAGES, docHref } from "@/lib/docs";

/**
 * The docs sidebar: a narrow column (a real box, not `display: contents`, so the layout's
 * grid can size it); below 768 px it folds into a menu above the page.
 */
export function DocsNav() {
  return (
    <nav aria-label="Docs" data-testid="docs-nav" className="min-w-0 text-sm md:sticky md:top-4">
      <NavLinks
        label="docs"
        toggleLabel="Docs menu"
        vertical
        links={[
          { href: "/docs", label: "Docs home", exact: true },
          ...DOC_PAGES.map((d) => ({ href: docHref(d.slug), label: d.title })),
          { href: "/pricing", label: "Pricing" },
        ]}
      />
    </nav>
  );
}
