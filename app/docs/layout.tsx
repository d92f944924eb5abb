import { DocsNav } from "@/components/docs/docs-nav";
import { SiteFooter } from "@/components/site/site-footer";
import { SiteHeader } from "@/components/site/site-header";

export default function DocsLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <SiteHeader />
      <div className="container docs-layout">
        <DocsNav />
        <main className="docs-main">{children}</main>
      </div>
      <SiteFooter />
    </>
  );
}
