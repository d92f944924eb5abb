import Link from "next/link";
import { buttonVariants } from "@/components/ui/button";
import { auth } from "@/lib/auth";
import { HeaderBar } from "./header-bar";
import { NavLinks } from "./nav-links";

/** The header of the public pages (landing, pricing, docs): signed in, it offers the dashboard. */
export async function SiteHeader() {
  const session = await auth();
  const signedIn = Boolean(session?.user?.id);
  return (
    <HeaderBar testId="site-header">
      <nav aria-label="Site" className="contents">
        <NavLinks
          label="site"
          links={[
            { href: "/docs", label: "Docs" },
            { href: "/pricing", label: "Pricing" },
          ]}
        >
          {signedIn ? (
            <Link className={buttonVariants()} href="/dashboard" data-testid="header-dashboard">
              Dashboard
            </Link>
          ) : (
            <>
              <Link href="/login" data-testid="header-sign-in">
                Sign in
              </Link>
              <Link className={buttonVariants()} href="/signup" data-testid="header-sign-up">
                Sign up
              </Link>
            </>
          )}
        </NavLinks>
      </nav>
    </HeaderBar>
  );
}
