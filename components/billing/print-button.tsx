"use client";

export function PrintButton() {
  return (
    <button type="button" className="secondary" onClick={() => window.print()} data-testid="print-receipt">
      Print or save as PDF
    </button>
  );
}
