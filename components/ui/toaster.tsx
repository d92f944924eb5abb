"use client";

import { useTheme } from "next-themes";
import { Toaster as Sonner } from "sonner";

/** The app's toasts (sonner), in the current theme. Call `toast(...)` from "sonner". */
export function Toaster() {
  const { resolvedTheme } = useTheme();
  return <Sonner theme={resolvedTheme === "dark" ? "dark" : "light"} position="bottom-right" richColors closeButton />;
}
