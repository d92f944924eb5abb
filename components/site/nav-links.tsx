"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";

export type NavLink = {
  href: string;
  label: string;
  testId?: string;
  /** Marked current only on this exact path (section roots like /dashboard). */ exact?: boolean;
};

export function isCurrent(pathname: string, link: Pick<NavLink, "href" | "exact">): boolean {
  if (pathname === link.href) return true;
  return !link.exact && pathname.startsWith(link.href + "/");
}

/**
 * A site's nav links with the current page marked (aria-current) and, below 720 px, folded
 * behind a Menu button so the bar never makes a phone page wider than the screen.
 */
export function NavLinks({
  links,
  label,
  toggleLabel = "Menu",
  children,
}: {
  links: NavLink[];
  label: string;
  toggleLabel?: string;
  children?: React.ReactNode;
}) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  // Following a link closes the menu.
  // The path changes outside this component (a link was followed): close to match it.
  // eslint-disable-next-line react-hooks/set-state-in-effect
  useEffect(() => setOpen(false), [pathname]);
  return (
    <>
      <button
        type="button"
        className="secondary nav-toggle"
        aria-expanded={open}
        aria-controls={`nav-${label}`}
        onClick={() => setOpen((o) => !o)}
        data-testid="nav-toggle"
      >
        {toggleLabel}
      </button>
      <div id={`nav-${label}`} className={open ? "nav-links open" : "nav-links"}>
        {links.map((l) => (
          <Link key={l.href} href={l.href} aria-current={isCurrent(pathname, l) ? "page" : undefined} data-testid={l.testId}>
            {l.label}
          </Link>
        ))}
        {children && <span className="spacer" />}
        {children}
      </div>
    </>
  );
}
