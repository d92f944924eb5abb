import Link from "next/link";
import { formatDateTime } from "@/lib/format/date";
import type { Tier, TierRequest } from "@/db/schema";
import { nextTier, RATE_LIMIT_WINDOW_SECONDS, tierInfo } from "@/lib/ratelimit/tiers";
import { REASON_MAX_CHARS, REASON_MIN_CHARS } from "@/lib/tiers";
import { requestElevatedAction } from "@/lib/tiers/actions";
import { RequestElevatedForm } from "@/components/tiers/request-elevated-form";

type Props = {
  tier: Tier;
  /** The account's latest tier request (lib/tiers latestTierRequest), null when there is none. */
  latestRequest: TierRequest | null;
  /** The viewer's role may pay and change the tier (billing.manage): the links and the request form show only then. */
  canManageBilling?: boolean;
};

const perWindow = RATE_LIMIT_WINDOW_SECONDS === 60 ? "requests/min" : `requests per ${RATE_LIMIT_WINDOW_SECONDS} s`;
const dateFmt = formatDateTime;

/** Current tier, its limit, the next tier's limit and how to get it; Free accounts can ask for Elevated here. */
export function TierCard({ tier, latestRequest, canManageBilling = true }: Props) {
  const current = tierInfo(tier);
  const next = nextTier(tier);
  const request = latestRequest;
  const pending = request?.status === "pending" ? request : null;
  const declined = request?.status === "declined" ? request : null;

  return (
    <div className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="tier-card">
      <div className="text-muted-foreground">Tier</div>
      <div className="text-[28px] font-semibold" data-testid="tier">
        {current.name}
      </div>
      <div data-testid="tier-limit">
        <strong>{current.requestsPerMinute}</strong> {perWindow} per API key
      </div>
      {next ? (
        <p className="text-muted-foreground" data-testid="next-tier">
          Next: <strong>{next.name}</strong>, {next.requestsPerMinute} {perWindow}. {next.howToGet}{" "}
          {next.id === "paid" && canManageBilling && <Link href="/dashboard/billing">Add credit</Link>}
        </p>
      ) : (
        <p className="text-muted-foreground" data-testid="next-tier">
          This is the highest tier.
        </p>
      )}
      {tier === "free" && next?.id === "elevated" && (
        <>
          {pending && (
            <p className="inline-block rounded-full border px-2 py-0.5 text-xs text-muted-foreground" data-testid="tier-request-pending">
              {next.name} requested on {dateFmt(pending.createdAt)}: waiting for an administrator
            </p>
          )}
          {declined?.decidedAt && (
            <p className="text-muted-foreground" data-testid="tier-request-declined">
              Your request of {dateFmt(declined.createdAt)} was declined on {dateFmt(declined.decidedAt)}. You may ask again with more detail.
            </p>
          )}
          {!pending && canManageBilling && (
            <RequestElevatedForm action={requestElevatedAction} minChars={REASON_MIN_CHARS} maxChars={REASON_MAX_CHARS} label={`Request ${next.name}`} />
          )}
        </>
      )}
      <p className="text-[13px] text-muted-foreground">
        <Link href="/docs/rate-limits">How rate limits work</Link>
      </p>
    </div>
  );
}
