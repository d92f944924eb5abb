import { desc, eq } from "drizzle-orm";
import { usageEvents } from "@/db/schema";
import { requireAccount } from "@/lib/auth/session";
import { formatUsd } from "@/lib/money";
import { QuickStart } from "@/components/dashboard/quick-start";

export const metadata = { title: "Usage · Metered" };

export default async function UsagePage() {
  const { db, account } = await requireAccount();
  const recent = await db
    .select()
    .from(usageEvents)
    .where(eq(usageEvents.accountId, account.id))
    .orderBy(desc(usageEvents.createdAt))
    .limit(50);
  return (
    <>
      <h1>Usage</h1>
      {recent.length === 0 ? (
        <>
          <p className="muted" data-testid="usage-empty">No requests yet. Make your first one:</p>
          <QuickStart />
        </>
      ) : (
        <table data-testid="usage-table">
          <thead>
            <tr><th>Time (UTC)</th><th>Model</th><th>Units</th><th>Cost</th><th>Status</th><th>Latency</th></tr>
          </thead>
          <tbody>
            {recent.map((e) => (
              <tr key={e.id}>
                <td>{e.createdAt.toISOString().replace("T", " ").slice(0, 19)}</td>
                <td>{e.model}</td>
                <td>{e.inputTokens || e.outputTokens ? `${e.inputTokens} in / ${e.outputTokens} out` : e.images ? `${e.images} images` : e.videoSeconds ? `${e.videoSeconds} s video` : e.characters ? `${e.characters} chars` : `${(e.audioMs / 60000).toFixed(2)} min audio`}</td>
                <td>{formatUsd(e.costMicroUsd, { decimals: 6 })}</td>
                <td>{e.aborted ? "aborted" : e.status} ({e.httpStatus})</td>
                <td>{e.latencyMs} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
