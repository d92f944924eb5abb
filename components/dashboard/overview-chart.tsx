"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { CHART_CHROME, SERIES_COLORS } from "@/lib/usage/palette";

export type OverviewDay = { day: string; usd: number; exact: string };

/** Dollar ticks: cents below $1, whole dollars above. */
export function usdTick(v: number): string {
  if (v === 0) return "$0";
  return v < 1 ? `$${v.toFixed(2)}` : `$${Math.round(v * 100) / 100}`;
}

/** The dashboard home's 7-day spend chart (UTC days), with both axes. */
export function OverviewSpendChart({ days }: { days: OverviewDay[] }) {
  return (
    <>
      <div
        data-testid="overview-chart"
        role="figure"
        aria-label="Spend per day, last 7 days (bar chart; the table below has the same numbers)"
        className="h-44 w-full"
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={days.map((d) => ({ ...d, label: d.day.slice(5) }))} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} stroke={CHART_CHROME.grid} />
            <XAxis dataKey="label" tick={{ fill: CHART_CHROME.axis, fontSize: 11 }} stroke={CHART_CHROME.grid} />
            <YAxis tick={{ fill: CHART_CHROME.axis, fontSize: 11 }} stroke={CHART_CHROME.grid} tickFormatter={usdTick} width={56} allowDecimals />
            <Tooltip
              cursor={{ fill: CHART_CHROME.cursor, opacity: 0.4 }}
              content={({ active, payload }) =>
                active && payload?.length ? (
                  <div className="rounded-md border bg-popover px-2 py-1 text-xs text-popover-foreground">
                    {(payload[0].payload as OverviewDay).day} UTC: {(payload[0].payload as OverviewDay).exact}
                  </div>
                ) : null
              }
            />
            <Bar dataKey="usd" fill={SERIES_COLORS.total} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details className="mt-2 text-[13px]" data-testid="chart-table">
        <summary>Spend per day: show as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Spend</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>{d.exact}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}
