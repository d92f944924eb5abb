import { headers } from "next/headers";
import { requirePermission } from "@/lib/auth/session";
import { createKeyAction } from "@/app/dashboard/keys/actions";
import { Playground, type PlaygroundModel } from "@/components/playground/playground";
import { getCatalog } from "@/lib/catalog";
import { siteOrigin } from "@/lib/docs";
import { SPEECH_VOICES } from "@/lib/providers/local/media/speech";
import { LOCAL_SPEECH_FORMATS } from "@/lib/providers/media/speech";

export const metadata = { title: "Playground · Metered" };
export const dynamic = "force-dynamic";

// Try any model of the catalog in the browser. Requests go to /v1 with one of the account's
// API keys (created here through the keys page's own action, or pasted), so they are
// limited and billed exactly like the same request from an SDK.
export default async function PlaygroundPage() {
  // The playground calls /v1 with a key of the user's own (created here or pasted): keys.own.
  await requirePermission("keys.own");
  const h = await headers();
  const origin = siteOrigin(null, h.get("host"), h.get("x-forwarded-proto"));
  const models: PlaygroundModel[] = getCatalog().models.map((m) => ({
    id: m.id,
    modality: m.modality,
    description: m.description ?? "",
    ...(m.modality === "image" ? { sizes: [...m.limits.sizes] } : {}),
    ...(m.modality === "video" ? { maxSeconds: m.limits.maxSeconds } : {}),
    local: m.provider === "local",
  }));
  return (
    <>
      <h1>Playground</h1>
      <p className="muted">
        Try any model with your credit. Each request is a real call to <code>{origin}/v1</code> with one of your API keys: the same limits, the same prices, and
        it appears in your usage like any other.
      </p>
      <Playground origin={origin} models={models} voices={[...SPEECH_VOICES]} localSpeechFormats={[...LOCAL_SPEECH_FORMATS]} createKey={createKeyAction} />
    </>
  );
}
