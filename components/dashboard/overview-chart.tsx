"use client";

import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { SERIES_COLORS } from "@/lib/usage/palette";

export type OverviewDay = { day: string; usd: number; exact: string };

/** The dashboard home's small 7-day spend chart (UTC days). */
export function OverviewSpendChart({ days }: { days: OverviewDay[] }) {
  return (
    <>
      <div
        data-testid="overview-chart"
        role="figure"
        aria-label="Spend per day, last 7 days (bar chart; the table below has the same numbers)"
        style={{ width: "100%", height: 140 }}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={days.map((d) => ({ ...d, label: d.day.slice(5) }))} margin={{ top: 4, right: 4, bottom: 0, left: 4 }}>
            <XAxis dataKey="label" tick={{ fill: "#9aa3b2", fontSize: 11 }} stroke="#262c3a" />
            <YAxis hide />
            <Tooltip
              cursor={{ fill: "rgba(110,168,254,0.08)" }}
              content={({ active, payload }) =>
                active && payload?.length ? (
                  <div className="rounded-lg border bg-card p-4 text-card-foreground" style={{ padding: 6, fontSize: 12 }}>
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
