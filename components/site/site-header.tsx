import Link from "next/link";
import { auth } from "@/lib/auth";
import { NavLinks } from "./nav-links";

/** The header of the public pages (landing, pricing, docs): signed in, it offers the dashboard. */
export async function SiteHeader() {
  const session = await auth();
  const signedIn = Boolean(session?.user?.id);
  return (
    <header className="nav" data-testid="site-header">
      <Link href="/" className="brand">
        Metered
      </Link>
      <nav aria-label="Site" className="nav-collapsible">
        <NavLinks
          label="site"
          links={[
            { href: "/docs", label: "Docs" },
            { href: "/pricing", label: "Pricing" },
          ]}
        >
          {signedIn ? (
            <Link className="button" href="/dashboard" data-testid="header-dashboard">
              Dashboard
            </Link>
          ) : (
            <>
              <Link href="/login" data-testid="header-sign-in">
                Sign in
              </Link>
              <Link className="button" href="/signup" data-testid="header-sign-up">
                Sign up
              </Link>
            </>
          )}
        </NavLinks>
      </nav>
    </header>
  );
}
