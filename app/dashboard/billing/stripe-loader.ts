"use client";

import type { Stripe } from "@stripe/stripe-js";
import { loadStripe } from "@stripe/stripe-js/pure";
import type { PublicStripeConfig } from "@/lib/billing/config";

// Loads Stripe.js once. On the test emulator the stand-in script is put on the page first:
// it defines window.Stripe, so loadStripe uses it instead of fetching js.stripe.com.
let promise: Promise<Stripe | null> | null = null;

function injectScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.async = true;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`Could not load the Stripe test-mode script from ${src}`));
    document.head.appendChild(s);
  });
}

export function getStripePromise(cfg: PublicStripeConfig): Promise<Stripe | null> {
  if (cfg.mode === "off") return Promise.resolve(null); // payments are not configured
  promise ??= (async () => {
    if (cfg.standInScriptUrl && !(window as unknown as { Stripe?: unknown }).Stripe) {
      const api = cfg.emulatorApiUrl ? `?api=${encodeURIComponent(cfg.emulatorApiUrl)}` : "";
      await injectScript(`${cfg.standInScriptUrl}${api}`);
    }
    return loadStripe(cfg.publishableKey);
  })();
  promise.catch(() => {
    promise = null; // let a later attempt retry
  });
  return promise;
}
