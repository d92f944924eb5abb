import type { Tier } from "@/db/schema";

const NAMES: Record<Tier, string> = { free: "Free", elevated: "Elevated", paid: "Paid" };

export function TierCard({ tier }: { tier: Tier }) {
  return (
    <div className="panel">
      <div className="muted">Tier</div>
      <div className="big" data-testid="tier">{NAMES[tier]}</div>
    </div>
  );
}
