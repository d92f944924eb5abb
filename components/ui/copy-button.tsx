"use client";

import { useState } from "react";
import { cn } from "@/lib/ui/cn";
import { buttonVariants } from "./button";

/**
 * Copies `text` to the clipboard. It says "Copied" only when the browser confirmed the write;
 * without a clipboard (an http origin other than localhost, a denied permission) it says to
 * select and copy instead. Announced to screen readers.
 */
export function CopyButton({ text, label = "Copy", className, testId = "copy-button" }: { text: string; label?: string; className?: string; testId?: string }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  async function copy() {
    let ok = false;
    try {
      if (typeof navigator.clipboard?.writeText === "function") {
        await navigator.clipboard.writeText(text);
        ok = true;
      }
    } catch {
      ok = false;
    }
    setCopied(ok ? "yes" : "failed");
    setTimeout(() => setCopied(null), ok ? 1500 : 4000);
  }
  return (
    <button
      type="button"
      data-slot="copy-button"
      className={buttonVariants({ variant: "outline", size: "sm", className: cn("bg-card", className) })}
      onClick={copy}
      data-testid={testId}
      aria-label={`${label} to clipboard`}
    >
      <span aria-live="polite">{copied === "yes" ? "Copied" : copied === "failed" ? "Copy failed: select the text and copy it" : label}</span>
    </button>
  );
}
