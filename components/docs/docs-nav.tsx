import { NavLinks } from "@/components/site/nav-links";
import { DOC_PAGES, docHref } from "@/lib/docs";

/** The docs sidebar; below 720 px it folds into a menu above the page. */
export function DocsNav() {
  return (
    <nav aria-label="Docs" data-testid="docs-nav" className="docs-nav nav-collapsible">
      <NavLinks
        label="docs"
        toggleLabel="Docs menu"
        links={[
          { href: "/docs", label: "Docs home", exact: true },
          ...DOC_PAGES.map((d) => ({ href: docHref(d.slug), label: d.title })),
          { href: "/pricing", label: "Pricing" },
        ]}
      />
    </nav>
  );
}
