import Link from "next/link";
import { HeaderBar } from "@/components/site/header-bar";

// Sign-up, sign-in and the emailed-link pages: the logo and a way home above every form.
export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <HeaderBar testId="auth-header">
        <nav aria-label="Site" className="flex flex-1 items-center gap-4">
          <Link href="/" data-testid="auth-home">
            Home
          </Link>
          <Link href="/docs">Docs</Link>
        </nav>
      </HeaderBar>
      {children}
    </>
  );
}
