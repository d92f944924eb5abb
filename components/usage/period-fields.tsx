"use client";

import { useState } from "react";
import { RANGE_LABELS, RANGES, type Range } from "@/lib/usage/filters";

/**
 * The one period control: a preset, or "Custom range" with From/To dates (shown only then).
 * Typing a date selects Custom. The form around it applies each change at once.
 */
export function PeriodFields({ range, fromDate, toDate }: { range: Range; fromDate: string | null; toDate: string | null }) {
  const [value, setValue] = useState<Range>(range);
  return (
    <>
      <div>
        <label htmlFor="f-range">Period</label>
        <select id="f-range" name="range" value={value} onChange={(e) => setValue(e.target.value as Range)} data-testid="filter-range">
          {RANGES.map((r) => (
            <option key={r} value={r}>
              {r === "custom" ? "Custom range…" : RANGE_LABELS[r]}
            </option>
          ))}
        </select>
      </div>
      {value === "custom" && (
        <>
          <div>
            <label htmlFor="f-from">From (UTC)</label>
            <input id="f-from" type="date" name="from" defaultValue={fromDate ?? ""} data-testid="filter-from" />
          </div>
          <div>
            <label htmlFor="f-to">To (UTC)</label>
            <input id="f-to" type="date" name="to" defaultValue={toDate ?? ""} data-testid="filter-to" />
          </div>
        </>
      )}
    </>
  );
}
