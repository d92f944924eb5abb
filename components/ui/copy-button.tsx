"use client";

import { useState } from "react";

/** Copies `text` to the clipboard; says so for a moment (announced to screen readers). */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      // No clipboard permission (an http origin other than localhost): the text stays selectable.
      setCopied("failed");
    }
    setTimeout(() => setCopied(null), 1500);
  }
  return (
    <button type="button" className="secondary copy-button" onClick={copy} data-testid="copy-button" aria-label={`${label} to clipboard`}>
      <span aria-live="polite">{copied === "yes" ? "Copied" : copied === "failed" ? "Select and copy" : label}</span>
    </button>
  );
}
