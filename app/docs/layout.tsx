import Link from "next/link";
import { DocsNav } from "@/components/docs/docs-nav";

export default function DocsLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <nav className="nav">
        <Link href="/" className="brand">Metered</Link>
        <Link href="/docs">Docs</Link>
        <Link href="/pricing">Pricing</Link>
        <span className="spacer" />
        <Link href="/dashboard">Dashboard</Link>
      </nav>
      <div className="container" style={{ display: "flex", gap: 32, alignItems: "flex-start" }}>
        <DocsNav />
        <main style={{ flex: 1, minWidth: 0 }}>{children}</main>
      </div>
    </>
  );
}
