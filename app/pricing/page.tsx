import Link from "next/link";
import { getCatalog, type CatalogModel, type Modality } from "@/lib/catalog";
import { limitLines } from "@/lib/catalog/public";
import { SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import { formatUsd } from "@/lib/money";
import { ScrollTable } from "@/components/ui/scroll-table";
import { PriceLines, TierTable } from "@/components/site/catalog-tables";

// Rendered from the same catalog the biller charges from, at request time so the
// upstream models configured on this instance appear with their prices.
export const dynamic = "force-dynamic";
export const metadata = { title: "Pricing · Metered" };

const SECTIONS: { modality: Modality; title: string; unit: string }[] = [
  { modality: "chat", title: "Chat", unit: "per million input tokens and per million output tokens" },
  { modality: "completion", title: "Completions", unit: "per million input tokens and per million output tokens" },
  { modality: "image", title: "Image generation", unit: "per image" },
  { modality: "video", title: "Video generation", unit: "per second of output video" },
  { modality: "tts", title: "Text-to-speech", unit: "per character of input text" },
  { modality: "stt", title: "Speech-to-text", unit: "per minute of input audio, measured from the file" },
  { modality: "embedding", title: "Embeddings", unit: "per million input tokens" },
];

function ModelRow({ model }: { model: CatalogModel }) {
  return (
    <tr data-testid={`price-${model.id}`}>
      <td>
        <code>{model.id}</code>{" "}
        {model.simulator ? <span className="inline-block rounded-full border px-2 py-0.5 text-xs text-muted-foreground">simulator</span> : null}
        <div className="text-muted-foreground">{model.description}</div>
      </td>
      <td>
        <PriceLines model={model} />
      </td>
      <td className="text-muted-foreground">
        {limitLines(model).map((l) => (
          <div key={l}>{l}</div>
        ))}
      </td>
    </tr>
  );
}

export default function PricingPage() {
  const catalog = getCatalog();
  return (
    <main className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6 sm:py-6">
      <h1>Pricing</h1>
      <p>
        Pay per request, in dollars, from prepaid credit. No bundles, no subscriptions. Every new account gets{" "}
        <strong data-testid="signup-credit">{formatUsd(SIGNUP_CREDIT_MICRO_USD)}</strong> of free credit; top up any amount from $5 on the{" "}
        <Link href="/dashboard/billing">billing page</Link>.
      </p>
      {SECTIONS.map((s) => {
        const models = catalog.models.filter((m) => m.modality === s.modality);
        if (!models.length) return null;
        return (
          <section key={s.modality}>
            <h2>{s.title}</h2>
            <p className="text-muted-foreground">Billed {s.unit}.</p>
            <ScrollTable label={`${s.title} prices`}>
              <table>
                <thead>
                  <tr>
                    <th>Model</th>
                    <th>Price</th>
                    <th>Limits</th>
                  </tr>
                </thead>
                <tbody>
                  {models.map((m) => (
                    <ModelRow key={m.id} model={m} />
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          </section>
        );
      })}
      <h2>How a request is billed</h2>
      <ul>
        <li>
          The cost is computed exactly from the units used and the prices above, then rounded up once per request to a whole micro-dollar ($0.000001). Responses
          carry it as <code>usage.cost</code> (USD) and <code>usage.cost_micro_usd</code>.
        </li>
        <li>
          Before any work, the worst case is held from your balance (text: your input plus <code>max_tokens</code> of output; without <code>max_tokens</code>{" "}
          the model&apos;s max output above is held, up to what its context leaves). You pay only for what was produced; the rest is released at once.
        </li>
        <li>A streamed completion you close early is billed for the tokens generated before the close.</li>
        <li>
          When your credit cannot cover a request&apos;s worst case the API answers <code>402</code> with your balance, the request&apos;s cost and, for text,
          the largest <code>max_tokens</code> you can afford.
        </li>
        <li>
          Cap a single request with <code>max_cost</code> (USD, in the body) or the <code>x-max-cost</code> header; cap a key with a daily, weekly, monthly or
          total spend limit.
        </li>
        <li>
          Models marked <em>simulator</em> are built-in deterministic stand-ins for trying the platform and for tests.
        </li>
      </ul>
      <h2>Rate limits</h2>
      <TierTable />
    </main>
  );
}
