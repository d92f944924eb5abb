import { clsx, type ClassValue } from "clsx";

/** Joins class names (conditional parts allowed), as shadcn/ui's `cn` without the merge step. */
export function cn(...inputs: ClassValue[]): string {
  return clsx(inputs);
}
