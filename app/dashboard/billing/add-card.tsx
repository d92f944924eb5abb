"use client";

import { Elements, PaymentElement, useElements, useStripe } from "@stripe/react-stripe-js";
import { useState } from "react";
import type { PublicStripeConfig } from "@/lib/billing/config";
import { createSetupIntentAction } from "./actions";
import { getStripePromise } from "./stripe-loader";

// "Add payment method": a SetupIntent from the server, the card typed into Stripe's
// Payment Element (or the emulator's test-mode stand-in) and confirmed by Stripe.js.
// The card number goes from the browser to Stripe; our server only sees the result.

const appearance = {
  theme: "night" as const,
  variables: { colorPrimary: "#6ea8fe", colorBackground: "#0f131b", colorText: "#e6e9ef", borderRadius: "6px" },
};

export function AddCard({ stripeConfig, onSaved }: { stripeConfig: PublicStripeConfig; onSaved: () => void }) {
  const [clientSecret, setClientSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  async function start() {
    setError(null);
    setStarting(true);
    try {
      const r = await createSetupIntentAction();
      if (r.ok) setClientSecret(r.clientSecret);
      else setError(r.error);
    } catch {
      setError("Could not reach the server. Check your connection and try again.");
    } finally {
      setStarting(false);
    }
  }

  if (!clientSecret) {
    return (
      <div>
        <button
          type="button"
          className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
          onClick={start}
          disabled={starting}
          data-testid="add-card"
        >
          {starting ? "Opening…" : "Add payment method"}
        </button>
        {error && (
          <p className="text-destructive" role="alert" data-testid="add-card-error">
            {error}
          </p>
        )}
      </div>
    );
  }
  return (
    <div className="mt-3 rounded-lg border bg-card p-4 text-card-foreground" data-testid="add-card-form">
      <Elements stripe={getStripePromise(stripeConfig)} options={{ clientSecret, appearance }}>
        <SetupForm
          clientSecret={clientSecret}
          onCancel={() => setClientSecret(null)}
          onSaved={() => {
            setClientSecret(null);
            onSaved();
          }}
        />
      </Elements>
    </div>
  );
}

function SetupForm({ clientSecret, onCancel, onSaved }: { clientSecret: string; onCancel: () => void; onSaved: () => void }) {
  const stripe = useStripe();
  const elements = useElements();
  const [ready, setReady] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    if (!stripe || !elements) return;
    setBusy(true);
    setError(null);
    try {
      // Field problems are shown by the Payment Element beside the field: not repeated here.
      const submitted = await elements.submit();
      if (submitted.error) return;
      const { error: confirmError } = await stripe.confirmSetup({
        elements,
        clientSecret,
        redirect: "if_required",
        confirmParams: { return_url: window.location.href },
      });
      if (confirmError) {
        if (confirmError.type !== "validation_error") setError(explainCardError(confirmError));
        return;
      }
      onSaved();
    } catch {
      setError("Could not reach the payment service. Check your connection and try again; the card was not saved.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={save}>
      <PaymentElement onReady={() => setReady(true)} />
      {error && (
        <p className="text-destructive" role="alert" data-testid="add-card-error">
          {error}
        </p>
      )}
      <div className="mt-3 flex gap-2">
        <button type="submit" disabled={!stripe || !ready || busy} data-testid="save-card">
          {busy ? "Saving…" : "Save card"}
        </button>
        <button
          type="button"
          className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
          onClick={onCancel}
          disabled={busy}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Stripe.js errors carry user-facing messages for card problems; add what to do next. */
export function explainCardError(err: { type?: string; code?: string; message?: string }): string {
  const msg = err.message ?? "The card was not accepted.";
  if (err.type === "card_error" || err.code === "card_declined") return `${msg} Try another card, or contact your bank.`;
  if (err.code === "setup_intent_authentication_failure" || err.code === "payment_intent_authentication_failure") {
    return "Your bank's authentication was not completed, so nothing was charged. Try again, or use another card.";
  }
  if (err.type === "validation_error") return msg;
  if (err.type === "api_connection_error") return "Could not reach the payment service. Check your connection and try again.";
  return msg;
}
