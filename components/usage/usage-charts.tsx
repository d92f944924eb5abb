"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type TooltipContentProps,
  type TooltipValueType as ValueType,
} from "recharts";
import { CHART_CHROME, MODALITY_COLORS, SERIES_COLORS } from "@/lib/usage/palette";
import type { ChartData, ChartRow } from "@/lib/usage/series";
import { ScrollTable } from "@/components/ui/scroll-table";

// The usage page's charts. They receive plain serialisable rows (lib/usage/series.ts):
// numbers for plotting, exact money as strings for the tooltips.

const GRID = CHART_CHROME.grid;
const AXIS = { stroke: CHART_CHROME.axis, fontSize: 12 } as const;
const HEIGHT = 240;

type Series = { key: string; name: string; color: string; exactKey?: string; format?: (v: number) => string };

function ChartTooltip({
  active,
  payload,
  label,
  series,
  totalKey,
}: Pick<Partial<TooltipContentProps<ValueType, string>>, "active" | "payload" | "label"> & { series: Series[]; totalKey?: keyof ChartRow }) {
  if (!active || !payload?.length) return null;
  const row = payload[0].payload as ChartRow;
  return (
    <div className="rounded-lg border bg-card p-4 text-card-foreground" style={{ padding: 8, fontSize: 13 }}>
      <div>
        <strong>{String(label)}</strong> <span className="text-muted-foreground">UTC</span>
      </div>
      {series.map((s) => {
        const v = row[s.key];
        if (!v) return null;
        return (
          <div key={s.key}>
            <span style={{ color: s.color }}>■</span> {s.name}:{" "}
            {s.exactKey ? String(row[s.exactKey]) : s.format ? s.format(Number(v)) : Number(v).toLocaleString("en-US")}
          </div>
        );
      })}
      {totalKey && <div className="text-muted-foreground">Total: {String(row[totalKey])}</div>}
    </div>
  );
}

const cell = (row: ChartRow, s: Series) => {
  const v = row[s.key];
  if (s.exactKey) return String(row[s.exactKey]);
  return s.format ? s.format(Number(v)) : Number(v).toLocaleString("en-US");
};

/**
 * The chart's text alternative: the same numbers as a table (exact money), folded under
 * the chart. The chart itself is marked as an image described by the table's caption.
 */
function ChartTable({ rows, series, title, totalKey }: { rows: ChartRow[]; series: Series[]; title: string; totalKey?: keyof ChartRow }) {
  return (
    <details className="mt-2 text-[13px]" data-testid="chart-table">
      <summary>{title}: show as a table</summary>
      <ScrollTable label={`${title} (table)`}>
        <table>
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Period (UTC)</th>
              {series.map((s) => (
                <th scope="col" key={s.key}>
                  {s.name}
                </th>
              ))}
              {totalKey && <th scope="col">Total</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                {series.map((s) => (
                  <td key={s.key}>{cell(r, s)}</td>
                ))}
                {totalKey && <td>{String(r[totalKey])}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </details>
  );
}

function StackedBars({
  rows,
  series,
  testId,
  title,
  yFormat,
  totalKey,
}: {
  rows: ChartRow[];
  series: Series[];
  testId: string;
  title: string;
  yFormat?: (v: number) => string;
  totalKey?: keyof ChartRow;
}) {
  return (
    <>
      <div
        data-testid={testId}
        role="figure"
        aria-label={`${title} (bar chart; the table below has the same numbers)`}
        style={{ width: "100%", height: HEIGHT }}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid stroke={GRID} vertical={false} />
            <XAxis dataKey="label" tick={AXIS} stroke={GRID} minTickGap={16} />
            <YAxis tick={AXIS} stroke={GRID} tickFormatter={yFormat} width={72} allowDecimals />
            <Tooltip
              cursor={{ fill: CHART_CHROME.cursor, opacity: 0.4 }}
              content={(p) => <ChartTooltip active={p.active} payload={p.payload} label={p.label} series={series} totalKey={totalKey} />}
            />
            {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
            {series.map((s) => (
              <Bar key={s.key} dataKey={s.key} name={s.name} stackId="a" fill={s.color} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ChartTable rows={rows} series={series} title={title} totalKey={totalKey} />
    </>
  );
}

const usdTick = (v: number) => (v === 0 ? "$0" : v < 0.01 ? `$${v.toPrecision(2)}` : `$${v.toFixed(2)}`);
const compact = (v: number) => Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 }).format(v);

export function SpendChart({ data, testId = "chart-spend" }: { data: ChartData; testId?: string }) {
  const series = data.models.map((m, i) => ({ key: `m${i}`, exactKey: `x${i}`, name: m, color: data.colors[i] }));
  return <StackedBars rows={data.rows} series={series} testId={testId} title={`Spend per ${data.bucket} by model`} yFormat={usdTick} totalKey="totalExact" />;
}

export function RequestsChart({ data }: { data: ChartData }) {
  return (
    <StackedBars
      rows={data.rows}
      series={[{ key: "requests", name: "Requests", color: SERIES_COLORS.requests }]}
      testId="chart-requests"
      title={`Requests per ${data.bucket}`}
      yFormat={compact}
    />
  );
}

export function TokensChart({ data }: { data: ChartData }) {
  return (
    <StackedBars
      rows={data.rows}
      series={[
        { key: "inputTokens", name: "Input tokens", color: SERIES_COLORS.inputTokens },
        { key: "outputTokens", name: "Output tokens", color: SERIES_COLORS.outputTokens },
      ]}
      testId="chart-tokens"
      title={`Input and output tokens per ${data.bucket}`}
      yFormat={compact}
    />
  );
}

const OTHER_UNITS: { key: keyof ChartRow & string; modality: string; title: string; unit: string; format?: (v: number) => string }[] = [
  { key: "images", modality: "image", title: "Images", unit: "images" },
  { key: "videoSeconds", modality: "video", title: "Video", unit: "seconds" },
  { key: "characters", modality: "tts", title: "Speech (text-to-speech)", unit: "characters" },
  { key: "audioMinutes", modality: "stt", title: "Transcription (speech-to-text)", unit: "minutes of audio", format: (v) => `${Number(v.toFixed(3))} min` },
];

/** One small chart per other modality that has any units in the period. */
export function OtherUnitsCharts({ data }: { data: ChartData }) {
  const shown = OTHER_UNITS.filter((u) => data.rows.some((r) => Number(r[u.key]) > 0));
  if (shown.length === 0)
    return (
      <p className="text-muted-foreground" data-testid="other-units-none">
        No image, video, speech or transcription requests in this period.
      </p>
    );
  return (
    <div
      className="grid grid-cols-[repeat(auto-fit,minmax(min(220px,100%),1fr))] gap-4"
      style={{ gridTemplateColumns: "repeat(auto-fit, minmax(300px, 1fr))" }}
    >
      {shown.map((u) => (
        <div className="rounded-lg border bg-card p-4 text-card-foreground" key={u.key}>
          <div className="text-muted-foreground">
            {u.title}{" "}
            <span style={{ fontSize: 12 }}>
              ({u.unit} per {data.bucket})
            </span>
          </div>
          <StackedBars
            rows={data.rows}
            series={[{ key: u.key, name: u.title, color: MODALITY_COLORS[u.modality], format: u.format }]}
            testId={`chart-${u.key}`}
            title={`${u.title}: ${u.unit} per ${data.bucket}`}
            yFormat={compact}
          />
        </div>
      ))}
    </div>
  );
}
