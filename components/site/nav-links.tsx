"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { buttonVariants } from "@/components/ui/button";
import { cn } from "@/lib/ui/cn";

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
 * A site's nav links with the current page marked (aria-current) and, below 768 px, folded
 * behind a Menu button so the bar never makes a phone page wider than the screen.
 * `vertical`: a sidebar's column of links (the docs).
 */
export function NavLinks({
  links,
  label,
  toggleLabel = "Menu",
  vertical = false,
  children,
}: {
  links: NavLink[];
  label: string;
  toggleLabel?: string;
  vertical?: boolean;
  children?: React.ReactNode;
}) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  // The path changes outside this component (a link was followed): close to match it.
  // eslint-disable-next-line react-hooks/set-state-in-effect
  useEffect(() => setOpen(false), [pathname]);
  return (
    <>
      <button
        type="button"
        className={buttonVariants({ variant: "outline", size: "sm", className: cn("md:hidden", !vertical && "ml-auto") })}
        aria-expanded={open}
        aria-controls={`nav-${label}`}
        onClick={() => setOpen((o) => !o)}
        data-testid="nav-toggle"
      >
        {toggleLabel}
      </button>
      <div
        id={`nav-${label}`}
        className={cn(
          "flex-col items-start gap-2.5 py-2 max-md:basis-full md:flex md:py-0",
          open ? "flex" : "hidden",
          vertical ? "md:flex-col md:gap-1.5" : "md:flex-1 md:flex-row md:flex-wrap md:items-center md:gap-4",
        )}
      >
        {links.map((l) => (
          <Link
            key={l.href}
            href={l.href}
            aria-current={isCurrent(pathname, l) ? "page" : undefined}
            data-testid={l.testId}
            className="text-muted-foreground hover:text-foreground aria-[current=page]:font-semibold aria-[current=page]:text-foreground aria-[current=page]:underline aria-[current=page]:decoration-primary aria-[current=page]:decoration-2 aria-[current=page]:underline-offset-[6px]"
          >
            {l.label}
          </Link>
        ))}
        {children && <span className="hidden flex-1 md:block" />}
        {children}
      </div>
    </>
  );
}
