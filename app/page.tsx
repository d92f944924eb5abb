import Link from "next/link";
import { headers } from "next/headers";
import { SiteFooter } from "@/components/site/site-footer";
import { SiteHeader } from "@/components/site/site-header";
import { CodeBlock } from "@/components/ui/code-block";
import { SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import { auth } from "@/lib/auth";
import { getCatalog } from "@/lib/catalog";
import { MODALITY_NAMES } from "@/lib/catalog/types";
import { siteOrigin } from "@/lib/docs";
import { quickStartSamples } from "@/lib/docs/examples";
import { formatUsd } from "@/lib/money";
import { ScrollTable } from "@/components/ui/scroll-table";
import { PriceLines, TierTable } from "@/components/site/catalog-tables";

// Models, prices and tiers come from the modules the biller and the limiter use; rendered
// per request so an instance's configured upstream models appear.
export const dynamic = "force-dynamic";

export default async function Home() {
  const [session, h] = await Promise.all([auth(), headers()]);
  const signedIn = Boolean(session?.user?.id);
  const origin = siteOrigin(null, h.get("host"), h.get("x-forwarded-proto"));
  const catalog = getCatalog();
  const credit = formatUsd(SIGNUP_CREDIT_MICRO_USD);
  return (
    <>
      <SiteHeader />
      <main className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6 sm:py-6">
        <section className="[&_h1]:text-[32px] [&_h1]:leading-tight" data-testid="hero">
          <h1>One OpenAI-compatible API, billed per request in dollars</h1>
          <p className="max-w-3xl text-[17px]">
            Point any OpenAI SDK or curl at Metered and pay only for what each request uses, from prepaid credit: per token, image, second of video, character
            or minute of audio. No bundles, no subscriptions, and every response tells you its exact cost.
          </p>
          <p className="max-w-3xl text-[17px]">
            New accounts get <strong data-testid="landing-credit">{credit}</strong> of free credit, no card needed.
          </p>
          <div className="flex flex-wrap items-center gap-4">
            {signedIn ? (
              <Link
                className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 bg-primary text-primary-foreground hover:bg-primary/90"
                href="/dashboard"
                data-testid="landing-dashboard"
              >
                Go to your dashboard
              </Link>
            ) : (
              <Link
                className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 bg-primary text-primary-foreground hover:bg-primary/90"
                href="/signup"
                data-testid="landing-signup"
              >
                Create an account, get {credit}
              </Link>
            )}
            <Link href="/docs">Read the docs</Link>
            <Link href="/pricing">See pricing</Link>
          </div>
        </section>

        <section aria-labelledby="how">
          <h2 id="how">How it works</h2>
          <ol className="[&_li]:mb-1.5">
            <li>
              <strong>Sign up</strong> and create an API key in the dashboard.
            </li>
            <li>
              <strong>Call the API</strong> with the base URL <code>{origin}/v1</code>: chat, completions, images, speech, transcription and video.
            </li>
            <li>
              <strong>Watch your spend</strong> per key and per model; top up any amount from $5 with a card, set spend limits per key.
            </li>
          </ol>
        </section>

        <section aria-labelledby="try">
          <h2 id="try">Your first request</h2>
          <p className="text-muted-foreground">
            With a key from the dashboard in <code>METERED_API_KEY</code>:
          </p>
          {quickStartSamples(origin, catalog.models).map((s) => (
            <CodeBlock key={s.id} caption={`${s.title}:`} code={s.code} lang={s.lang} sample={s.run} testId={`sample-${s.id}`} />
          ))}
        </section>

        <section aria-labelledby="models">
          <h2 id="models">Models and prices</h2>
          <p className="text-muted-foreground">
            Prices in USD, charged exactly and rounded up once per request to a micro-dollar. Models marked simulator are built in and deterministic, for trying
            the platform.
          </p>
          <ScrollTable label="Models and prices table">
            <table data-testid="landing-models">
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Type</th>
                  <th>Price</th>
                </tr>
              </thead>
              <tbody>
                {catalog.models.map((m) => (
                  <tr key={m.id} data-testid={`landing-model-${m.id}`}>
                    <td>
                      <code>{m.id}</code>{" "}
                      {m.simulator && <span className="inline-block rounded-full border px-2 py-0.5 text-xs text-muted-foreground">simulator</span>}
                    </td>
                    <td>{MODALITY_NAMES[m.modality]}</td>
                    <td>
                      <PriceLines model={m} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        </section>

        <section aria-labelledby="limits">
          <h2 id="limits">Rate limits</h2>
          <p className="text-muted-foreground">Per API key, per minute, by your account&apos;s tier. Every response says how many requests are left.</p>
          <TierTable testId="landing-tiers" />
        </section>

        <section className="rounded-lg border bg-card p-4 text-card-foreground mt-8 [&_h2]:mt-0">
          <h2>Start with {credit} of free credit</h2>
          <div className="flex flex-wrap items-center gap-4">
            {signedIn ? (
              <Link
                className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 bg-primary text-primary-foreground hover:bg-primary/90"
                href="/dashboard"
              >
                Go to your dashboard
              </Link>
            ) : (
              <Link
                className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 bg-primary text-primary-foreground hover:bg-primary/90"
                href="/signup"
              >
                Sign up
              </Link>
            )}
            <Link href="/docs">Docs</Link>
            <Link href="/pricing">Pricing</Link>
          </div>
        </section>
      </main>
      <SiteFooter />
    </>
  );
}
