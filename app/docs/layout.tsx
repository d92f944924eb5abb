import { DocsNav } from "@/components/docs/docs-nav";
import { SiteFooter } from "@/components/site/site-footer";
import { SiteHeader } from "@/components/site/site-header";

// Docs: a narrow sidebar (13 rem) beside the text, which takes the rest of the width; below
// 768 px the sidebar is a menu above the text.
export default function DocsLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <SiteHeader />
      <div
        className="mx-auto grid w-full max-w-7xl grid-cols-1 items-start gap-2 px-4 py-4 sm:px-6 md:grid-cols-[13rem_minmax(0,1fr)] md:gap-10 md:py-6"
        data-testid="docs-layout"
      >
        <DocsNav />
        <main className="min-w-0" data-testid="docs-main">
          {children}
        </main>
      </div>
      <SiteFooter />
    </>
  );
}
