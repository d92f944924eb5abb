"use client";

import { useState } from "react";
import type { CardView } from "./billing-client";
import { saveAutoTopUpAction } from "./actions";
import { Button } from "@/components/ui/button";

export type AutoTopUpProps = {
  enabled: boolean;
  threshold: string;
  amount: string;
  paymentMethodId: string | null;
  lastOutcome: string | null;
  lastMessage: string | null;
  lastAttemptAt: string | null;
};

export function AutoTopUpForm({ initial, cards, onSaved }: { initial: AutoTopUpProps; cards: CardView[]; onSaved: () => void }) {
  const [enabled, setEnabled] = useState(initial.enabled);
  const [threshold, setThreshold] = useState(initial.threshold);
  const [amount, setAmount] = useState(initial.amount);
  const [pm, setPm] = useState(initial.paymentMethodId ?? "");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const failed = initial.lastOutcome === "declined" || initial.lastOutcome === "authentication_required";
  // Auto top-up charges a saved card: with none it cannot be turned on (only off).
  const noCard = cards.length === 0;
  const blocked = noCard && enabled;

  async function save(e: React.FormEvent) {
    e.preventDefault();
    if (blocked) return;
    setBusy(true);
    setMessage(null);
    try {
      const r = await saveAutoTopUpAction({ enabled, threshold, amount, paymentMethodId: pm || null });
      setMessage(r.ok ? { ok: true, text: enabled ? "Auto top-up is on." : "Auto top-up is off." } : { ok: false, text: r.error });
      if (r.ok) onSaved();
    } catch {
      setMessage({ ok: false, text: "Could not reach the server. Your settings were not saved." });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="rounded-lg border bg-card p-4 text-card-foreground" onSubmit={save} data-testid="auto-topup">
      {initial.lastMessage && (
        <p
          className={
            failed || initial.lastOutcome === "error"
              ? "mb-4 rounded-md border border-destructive px-3.5 py-2.5 text-destructive [&_a]:text-destructive"
              : "text-success"
          }
          role={failed ? "alert" : undefined}
          data-testid="auto-topup-notice"
        >
          {initial.lastMessage}
          {initial.lastAttemptAt && <span className="text-muted-foreground"> ({initial.lastAttemptAt})</span>}
        </p>
      )}
      {noCard && (
        <p className="mt-0 text-muted-foreground" data-testid="auto-topup-needs-card">
          Add a card under Payment methods first: auto top-up charges a saved card.
        </p>
      )}
      <label className="m-0 flex items-center gap-2 text-[15px] text-foreground">
        <input
          type="checkbox"
          checked={enabled}
          onChange={(e) => setEnabled(e.target.checked)}
          disabled={noCard && !enabled}
          className="size-4"
          data-testid="auto-topup-enabled"
        />
        Automatically top up when my balance runs low
      </label>
      <div className="flex flex-wrap gap-3 [&>div]:min-w-40 [&>div]:flex-1">
        <div>
          <label htmlFor="auto-threshold">When the balance falls below ($)</label>
          <input id="auto-threshold" inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} data-testid="auto-topup-threshold" />
        </div>
        <div>
          <label htmlFor="auto-amount">Add this amount ($, at least 5.00)</label>
          <input id="auto-amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="auto-topup-amount" />
        </div>
        <div>
          <label htmlFor="auto-card">Card</label>
          <select id="auto-card" value={pm} onChange={(e) => setPm(e.target.value)} data-testid="auto-topup-card">
            <option value="">Most recently added card</option>
            {cards.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="text-[13px] text-muted-foreground">
        The card is charged without you present. If your bank asks you to confirm a payment, or declines it, auto top-up turns itself off and tells you here.
      </p>
      <Button type="submit" disabled={busy || blocked} data-testid="auto-topup-save">
        {busy ? "Saving…" : "Save auto top-up"}
      </Button>
      {message && (
        <p className={message.ok ? "text-success" : "text-destructive"} role="status" data-testid="auto-topup-message">
          {message.text}
        </p>
      )}
    </form>
  );
}
