import type { BreakdownRow } from "@/lib/usage/breakdown";
import { modelColor } from "@/lib/usage/colors";
import { addUnits, ZERO_UNITS, type UsageBucketRow, type UsageUnits } from "@/lib/usage/queries";
import { formatMoney } from "@/lib/money";
import { audioMinutes, formatInt, formatUnits } from "@/lib/usage/format";
import { ScrollTable } from "@/components/ui/scroll-table";

function Stat({ label, value, testId, micro }: { label: string; value: string; testId: string; micro?: bigint }) {
  return (
    <div className="rounded-lg border bg-card p-4 text-card-foreground">
      <div className="text-muted-foreground">{label}</div>
      <div className="text-[28px] font-semibold" data-testid={testId} data-micro-usd={micro === undefined ? undefined : String(micro)}>
        {value}
      </div>
    </div>
  );
}

/** The period's totals, exact: money to the micro-dollar, units as integers. */
export function UsageTotals({ totals }: { totals: UsageUnits }) {
  return (
    <div className="grid grid-cols-[repeat(auto-fit,minmax(min(220px,100%),1fr))] gap-4" data-testid="usage-totals">
      <Stat label="Total spend" value={formatMoney(totals.costMicroUsd)} testId="total-spend" micro={totals.costMicroUsd} />
      <Stat label="Requests" value={formatInt(totals.requests)} testId="total-requests" />
      <Stat label="Input / output tokens" value={`${formatInt(totals.inputTokens)} / ${formatInt(totals.outputTokens)}`} testId="total-tokens" />
      <div className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="total-other-units">
        <div className="text-muted-foreground">Other units</div>
        <div>
          {formatInt(totals.images)} images · {formatInt(totals.videoSeconds)} s video
        </div>
        <div>
          {formatInt(totals.characters)} characters · {audioMinutes(totals.audioMs)} min audio
        </div>
      </div>
    </div>
  );
}

/** Per-model subtotals that add up, in integers, to the period's total. */
export function ModelBreakdown({ rows, totals }: { rows: UsageBucketRow[]; totals: UsageUnits }) {
  const byModel = new Map<string, UsageUnits & { modality: string }>();
  for (const r of rows) {
    const prev = byModel.get(r.model) ?? { ...ZERO_UNITS, modality: r.modality };
    byModel.set(r.model, { ...addUnits(prev, r), modality: r.modality });
  }
  const list = [...byModel.entries()].sort((a, b) =>
    b[1].costMicroUsd > a[1].costMicroUsd ? 1 : b[1].costMicroUsd < a[1].costMicroUsd ? -1 : a[0].localeCompare(b[0]),
  );
  return (
    <ScrollTable label="Usage by model">
      <table data-testid="model-breakdown">
        <thead>
          <tr>
            <th>Model</th>
            <th className="text-right">Requests</th>
            <th>Units</th>
            <th className="text-right">Spend</th>
          </tr>
        </thead>
        <tbody>
          {list.map(([model, u]) => (
            <tr key={model} data-testid="model-row" data-model={model} data-cost-micro-usd={String(u.costMicroUsd)}>
              <td>
                <span className="inline-block size-2.5 rounded-[2px] align-middle" style={{ background: modelColor(model) }} aria-hidden="true" />{" "}
                <code>{model}</code>
              </td>
              <td className="text-right">{formatInt(u.requests)}</td>
              <td>{formatUnits(u)}</td>
              <td className="text-right font-mono">{formatMoney(u.costMicroUsd)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th>Total</th>
            <th className="text-right">{formatInt(totals.requests)}</th>
            <td />
            <th className="text-right font-mono" data-testid="breakdown-total">
              {formatMoney(totals.costMicroUsd)}
            </th>
          </tr>
        </tfoot>
      </table>
    </ScrollTable>
  );
}

/** Per-key subtotals over the same period and filters; they add up to the period's total. */
export function KeyBreakdown({ rows, totals }: { rows: BreakdownRow[]; totals: UsageUnits }) {
  return (
    <ScrollTable label="Usage by API key">
      <table data-testid="key-breakdown">
        <thead>
          <tr>
            <th>API key</th>
            <th className="text-right">Requests</th>
            <th className="text-right">Spend</th>
            <th className="text-right">Share</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.group ?? "none"} data-testid="key-breakdown-row" data-key-id={r.group ?? ""} data-cost-micro-usd={String(r.costMicroUsd)}>
              <td>{r.group === null ? "(no key)" : (r.name ?? "(deleted key)")}</td>
              <td className="text-right">{formatInt(r.requests)}</td>
              <td className="text-right font-mono">{formatMoney(r.costMicroUsd)}</td>
              <td className="text-right">{totals.costMicroUsd > 0n ? `${(Number((r.costMicroUsd * 1000n) / totals.costMicroUsd) / 10).toFixed(1)}%` : "—"}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th>Total</th>
            <th className="text-right">{formatInt(totals.requests)}</th>
            <th className="text-right font-mono" data-testid="key-breakdown-total">
              {formatMoney(totals.costMicroUsd)}
            </th>
            <td />
          </tr>
        </tfoot>
      </table>
    </ScrollTable>
  );
}
