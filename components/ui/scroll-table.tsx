/**
 * A wide table that scrolls inside itself on a narrow screen instead of widening the page,
 * and says so there ("scroll sideways") so no column is hidden without a hint.
 * Focusable and named, so a keyboard user can scroll it too (axe: scrollable-region-focusable).
 */
export function ScrollTable({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div data-slot="scroll-table" className="my-3">
      <p className="mt-0 mb-1 text-xs text-muted-foreground md:hidden" data-testid="scroll-hint">
        <span aria-hidden="true">↔</span> This table scrolls sideways.
      </p>
      {/* relative: the containing block of an sr-only header, which would otherwise widen the page. */}
      <div className="relative max-w-full overflow-x-auto [&_table]:min-w-[560px]" tabIndex={0} role="region" aria-label={label}>
        {children}
      </div>
    </div>
  );
}
