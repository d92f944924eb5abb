"use client";

import { useRef } from "react";
import { RANGE_LABELS, RANGES, type Range } from "@/lib/usage/filters";

/**
 * Period select and From/To dates that agree with each other: typing a date switches the
 * select to Custom; choosing a preset clears the dates (the server also treats any typed
 * date as a custom period, so this works without JavaScript too).
 */
export function PeriodFields({ range, fromDate, toDate }: { range: Range; fromDate: string | null; toDate: string | null }) {
  const select = useRef<HTMLSelectElement>(null);
  const from = useRef<HTMLInputElement>(null);
  const to = useRef<HTMLInputElement>(null);
  const typed = () => {
    if (select.current && (from.current?.value || to.current?.value)) select.current.value = "custom";
  };
  const picked = () => {
    if (select.current?.value !== "custom") {
      if (from.current) from.current.value = "";
      if (to.current) to.current.value = "";
    }
  };
  return (
    <>
      <div>
        <label htmlFor="f-range">Period</label>
        <select id="f-range" name="range" ref={select} defaultValue={range} onChange={picked} data-testid="filter-range">
          {RANGES.map((r) => (
            <option key={r} value={r}>
              {RANGE_LABELS[r]}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="f-from">From (UTC)</label>
        <input id="f-from" type="date" name="from" ref={from} defaultValue={fromDate ?? ""} onChange={typed} data-testid="filter-from" />
      </div>
      <div>
        <label htmlFor="f-to">To (UTC)</label>
        <input id="f-to" type="date" name="to" ref={to} defaultValue={toDate ?? ""} onChange={typed} data-testid="filter-to" />
      </div>
    </>
  );
}
