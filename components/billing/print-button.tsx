"use client";

export function PrintButton() {
  return (
    <button
      type="button"
      className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
      onClick={() => window.print()}
      data-testid="print-receipt"
    >
      Print or save as PDF
    </button>
  );
}
