/** The product's mark and name (the icon is app/icon.svg's shape). */
export function Logo() {
  return (
    <span className="inline-flex items-center gap-2">
      <svg aria-hidden="true" viewBox="0 0 24 24" className="size-6 text-primary" fill="none" stroke="currentColor" strokeWidth="2">
        <rect x="3" y="3" width="18" height="18" rx="4" />
        <path d="M7 16V9l5 5 5-5v7" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <span>Metered</span>
    </span>
  );
}
