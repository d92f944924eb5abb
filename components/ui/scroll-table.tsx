/**
 * A wide table that scrolls inside itself on a narrow screen instead of widening the page.
 * Focusable and named, so a keyboard user can scroll it too (axe: scrollable-region-focusable).
 */
export function ScrollTable({ label = "Scrollable table", children }: { label?: string; children: React.ReactNode }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
