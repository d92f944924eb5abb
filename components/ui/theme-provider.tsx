"use client";

import { ThemeProvider as NextThemesProvider } from "next-themes";

/** Light and dark themes: the system preference unless the user picked one (stored locally). */
export function ThemeProvider({ children }: { children: React.ReactNode }) {
  return (
    <NextThemesProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
      {children}
    </NextThemesProvider>
  );
}
