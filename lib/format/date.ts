// The one date format of the dashboard: UTC, to the minute ("2026-12-07 22:55 UTC"), the
// same on the server and in the browser (never the viewer's locale or time zone, which
// would differ between the two and break hydration).

export function formatDateTime(d: Date): string {
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** A whole UTC day ("2026-12-07"), e.g. a day's usage in one history row, said as such. */
export function formatUtcDay(day: string | Date): string {
  const iso = typeof day === "string" ? day : day.toISOString().slice(0, 10);
  return `${iso} (whole day, UTC)`;
}
