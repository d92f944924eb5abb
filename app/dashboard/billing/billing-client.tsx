"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import type { PublicStripeConfig } from "@/lib/billing/config";
import { confirmTopUpAction, removeCardAction, topUpAction, type TopUpState } from "./actions";
import { AddCard, explainCardError } from "./add-card";
import { AutoTopUpForm, type AutoTopUpProps } from "./auto-top-up-form";
import { getStripePromise } from "./stripe-loader";

export type CardView = { id: string; brand: string; last4: string; exp: string; label: string };

const PRESETS = ["5.00", "20.00", "50.00", "100.00"];

type Props = {
  stripeConfig: PublicStripeConfig;
  balance: string;
  cards: CardView[];
  cardsError: string | null;
  autoTopUp: AutoTopUpProps;
  minTopUp: string;
  maxTopUp: string;
};

export function BillingClient(props: Props) {
  const router = useRouter();
  const [balance, setBalance] = useState(props.balance);
  // The local copy moves at once on a top-up; the server's figure replaces it after refresh().
  // eslint-disable-next-line react-hooks/set-state-in-effect
  useEffect(() => setBalance(props.balance), [props.balance]);
  const refresh = () => router.refresh();

  return (
    <>
      <div className="mb-4 rounded-lg border bg-card p-4 text-card-foreground">
        <div className="text-muted-foreground">Balance</div>
        <div className="text-[28px] font-semibold" data-testid="billing-balance">
          {balance}
        </div>
      </div>

      <h2>Payment methods</h2>
      <Cards cards={props.cards} error={props.cardsError} onChange={refresh} />
      <AddCard stripeConfig={props.stripeConfig} onSaved={refresh} />

      <h2>Top up</h2>
      <TopUp
        {...props}
        onCredited={(b) => {
          setBalance(b);
          refresh();
        }}
      />

      <h2>Auto top-up</h2>
      <AutoTopUpForm initial={props.autoTopUp} cards={props.cards} onSaved={refresh} />
    </>
  );
}

function Cards({ cards, error, onChange }: { cards: CardView[]; error: string | null; onChange: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  async function remove(card: CardView) {
    setBusy(card.id);
    setMessage(null);
    try {
      const r = await removeCardAction(card.id);
      if (!r.ok) setMessage(r.error);
      else onChange();
    } catch {
      setMessage("Could not reach the server. The card was not removed.");
    } finally {
      setBusy(null);
    }
  }
  if (error)
    return (
      <p className="mb-4 rounded-md border border-destructive px-3.5 py-2.5 text-destructive [&_a]:text-destructive" role="alert" data-testid="cards-error">
        {error}
      </p>
    );
  return (
    <>
      {cards.length === 0 ? (
        <p className="text-muted-foreground" data-testid="no-cards">
          No saved cards yet.
        </p>
      ) : (
        <table data-testid="cards-table" className="mb-3">
          <thead>
            <tr>
              <th>Card</th>
              <th>Expires</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {cards.map((c) => (
              <tr key={c.id} data-testid="card-row" data-card-id={c.id}>
                <td>
                  <span className="capitalize">{c.brand}</span> •••• <span data-testid="card-last4">{c.last4}</span>
                </td>
                <td data-testid="card-exp">{c.exp}</td>
                <td className="text-right">
                  <ConfirmDialog
                    trigger={
                      <Button variant="destructive" size="sm" disabled={busy === c.id} data-testid="remove-card">
                        {busy === c.id ? "Removing…" : "Remove"}
                      </Button>
                    }
                    title={`Remove ${c.label}?`}
                    description="Top-ups and auto top-up can no longer use it. Nothing already paid changes."
                    actionLabel="Remove card"
                    onConfirm={() => remove(c)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {message && (
        <p className="text-destructive" role="alert" data-testid="remove-card-error">
          {message}
        </p>
      )}
    </>
  );
}

function TopUp({ cards, stripeConfig, minTopUp, maxTopUp, onCredited }: Props & { onCredited: (balance: string) => void }) {
  const [amount, setAmount] = useState("20.00");
  const [pm, setPm] = useState<string>(cards[0]?.id ?? "");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    // A removed card cannot stay selected: fall back to the first one left (a one-off, not a loop).
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (!cards.some((c) => c.id === pm)) setPm(cards[0]?.id ?? "");
  }, [cards, pm]);

  function clientCheck(): string | null {
    const m = /^\$?\s*(\d{1,7})(?:\.(\d{1,2}))?$/.exec(amount.trim().replace(/,/g, ""));
    if (!m) return "Enter the amount in dollars and cents, for example 20.00.";
    const cents = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0") || 0);
    if (cents < 500) return `The minimum top-up is ${minTopUp}.`;
    if (cents > 1_000_000) return `The maximum top-up is ${maxTopUp}.`;
    if (!pm) return "Add a card first.";
    return null;
  }

  async function handle(r: TopUpState): Promise<void> {
    if (!r.ok) {
      setResult({ ok: false, text: r.error });
      return;
    }
    if (r.status === "succeeded") {
      onCredited(r.balance);
      setResult({ ok: true, text: `Added ${r.credited}. Your balance is now ${r.balance}.` });
      toast.success(`Added ${r.credited} of credit`);
      return;
    }
    if (r.status === "processing") {
      setResult({ ok: true, text: "Your payment is processing. The balance updates as soon as it completes." });
      return;
    }
    // 3-D Secure: Stripe.js shows the bank's challenge, then the server checks the outcome.
    const stripe = await getStripePromise(stripeConfig);
    if (!stripe) throw new Error("Stripe.js did not load");
    const action = await stripe.handleNextAction({ clientSecret: r.clientSecret });
    if (action.error && action.error.type !== "card_error" && !action.error.code?.endsWith("authentication_failure")) {
      setResult({ ok: false, text: explainCardError(action.error) });
      return;
    }
    await handle(await confirmTopUpAction(r.paymentIntentId));
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const problem = clientCheck();
    if (problem) {
      setResult({ ok: false, text: problem });
      return;
    }
    setBusy(true);
    setResult(null);
    try {
      // One key per click: a double submit or a retried request makes one payment.
      await handle(await topUpAction({ amount, paymentMethodId: pm, requestKey: crypto.randomUUID() }));
    } catch {
      setResult({
        ok: false,
        text: "Could not reach the server. Check your connection. If the payment went through, it will be added to your balance automatically; otherwise try again.",
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="rounded-lg border bg-card p-4 text-card-foreground" onSubmit={submit} data-testid="top-up">
      <div className="mb-2 flex flex-wrap gap-2">
        {PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
            onClick={() => setAmount(p)}
            data-testid={`preset-${p.replace(".00", "")}`}
          >
            ${p.replace(".00", "")}
          </button>
        ))}
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <div className="min-w-40 flex-1">
          <label htmlFor="topup-amount">
            Amount in USD ({minTopUp} to {maxTopUp})
          </label>
          <input id="topup-amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="topup-amount" />
        </div>
        <div className="min-w-0 flex-[1_1_200px]">
          <label htmlFor="topup-card">Card</label>
          <select id="topup-card" value={pm} onChange={(e) => setPm(e.target.value)} data-testid="topup-card" disabled={cards.length === 0}>
            {cards.length === 0 && <option value="">Add a card first</option>}
            {cards.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={busy || cards.length === 0} data-testid="topup-submit">
          {busy ? "Charging…" : "Top up"}
        </button>
      </div>
      {result && (
        <p
          className={result.ok ? "text-success" : "text-destructive"}
          role={result.ok ? "status" : "alert"}
          data-testid={result.ok ? "topup-success" : "topup-error"}
        >
          {result.text}
        </p>
      )}
    </form>
  );
}
