import { headers } from "next/headers";
import { CodeBlock } from "@/components/ui/code-block";
import { getCatalog } from "@/lib/catalog";
import { siteOrigin } from "@/lib/docs";
import { quickStartSamples } from "@/lib/docs/examples";

/** First-request snippets with this deployment's own URL and a model its catalog serves. */
export async function QuickStart() {
  const h = await headers();
  const origin = siteOrigin(null, h.get("host"), h.get("x-forwarded-proto"));
  return (
    <div data-testid="quick-start">
      {quickStartSamples(origin, getCatalog().models).map((s) => (
        <CodeBlock key={s.id} caption={`${s.title}:`} code={s.code} lang={s.lang} sample={s.run} testId={`sample-${s.id}`} />
      ))}
    </div>
  );
}
