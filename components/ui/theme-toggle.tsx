"use client";

import { useTheme } from "next-themes";
import { DropdownMenu, DropdownMenuContent, DropdownMenuRadioGroup, DropdownMenuRadioItem, DropdownMenuTrigger } from "./dropdown-menu";
import { buttonVariants } from "./button";
import { Tooltip } from "./tooltip";

const CHOICES = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
] as const;

/**
 * The header's theme menu: system (default), light or dark. The label is the same on the
 * server and the client (the chosen theme is only known in the browser), so it never causes
 * a hydration mismatch; the icons switch by CSS on the `dark` class.
 */
export function ThemeToggle() {
  const { theme, setTheme } = useTheme();
  return (
    <DropdownMenu>
      <Tooltip content="Theme: system, light or dark">
        <DropdownMenuTrigger className={buttonVariants({ variant: "ghost", size: "icon" })} aria-label="Theme" data-testid="theme-toggle">
          <span aria-hidden="true" className="dark:hidden">
            ☀
          </span>
          <span aria-hidden="true" className="hidden dark:inline">
            ☾
          </span>
        </DropdownMenuTrigger>
      </Tooltip>
      <DropdownMenuContent>
        <DropdownMenuRadioGroup value={theme ?? "system"} onValueChange={setTheme}>
          {CHOICES.map((c) => (
            <DropdownMenuRadioItem key={c.value} value={c.value} data-testid={`theme-${c.value}`}>
              {c.label}
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
