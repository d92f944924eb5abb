import Link from "next/link";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { Logo } from "./logo";

/**
 * The bar at the top of every page: the logo (home), the page's navigation (a <nav> whose
 * links wrap to a full-width row below 768 px), the theme menu.
 */
export function HeaderBar({ testId, home = "/", children }: { testId: string; home?: string; children?: React.ReactNode }) {
  return (
    <header className="flex flex-wrap items-center gap-x-4 gap-y-1 border-b px-4 py-2.5 md:px-6 md:py-3 [&_[id^=nav-]]:max-md:order-last" data-testid={testId}>
      <Link href={home} className="mr-3 font-bold text-foreground hover:no-underline" aria-label="Metered home">
        <Logo />
      </Link>
      {children}
      <ThemeToggle />
    </header>
  );
}
