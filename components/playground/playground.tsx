"use client";

import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { CreateKeyState } from "@/app/dashboard/keys/actions";
import { CodeBlock } from "@/components/ui/code-block";
import { samplesFor, type ApiCall } from "@/lib/docs/samples";
import { formatMoney } from "@/lib/money";
import { PlaygroundError, readCredits, runCall, type Credits, type RunResult } from "@/lib/playground/run";

export type PlaygroundModel = {
  id: string;
  modality: string;
  description: string;
  sizes?: string[];
  maxSeconds?: number;
  local: boolean;
};

const MODALITY_LABEL: Record<string, string> = {
  chat: "Chat",
  completion: "Completion",
  embedding: "Embeddings",
  image: "Image",
  tts: "Speech",
  stt: "Transcription",
  video: "Video",
};

const VIDEO_SIZES = ["1280x720", "720x1280", "1792x1024", "1024x1792"];
const VIDEO_SECONDS = ["4", "8", "12"] as const;
/** Where this tab keeps the key it uses (gone when the tab closes). */
const KEY_STORAGE = "metered.playground.key";

// The key as an external store: read from sessionStorage after hydration (the server
// renders "no key"), and every change re-renders the component.
const keyListeners = new Set<() => void>();
const keyStore = {
  subscribe(listener: () => void) {
    keyListeners.add(listener);
    return () => void keyListeners.delete(listener);
  },
  get: () => sessionStorage.getItem(KEY_STORAGE),
  set(secret: string | null) {
    if (secret) sessionStorage.setItem(KEY_STORAGE, secret);
    else sessionStorage.removeItem(KEY_STORAGE);
    for (const l of keyListeners) l();
  },
};

type Form = {
  prompt: string;
  maxTokens: number;
  size: string;
  voice: string;
  format: "mp3" | "wav" | "flac" | "pcm";
  seconds: (typeof VIDEO_SECONDS)[number];
  videoSize: string;
  fileName: string;
};

/** The request the form describes: the same ApiCall the docs samples are generated from. */
export function callFor(model: PlaygroundModel, f: Form): ApiCall {
  switch (model.modality) {
    case "chat":
      return { kind: "chat", model: model.id, messages: [{ role: "user", content: f.prompt }], max_tokens: f.maxTokens, stream: true };
    case "completion":
      return { kind: "completion", model: model.id, prompt: f.prompt, max_tokens: f.maxTokens, stream: true };
    case "embedding":
      return { kind: "embedding", model: model.id, input: f.prompt };
    case "image":
      return { kind: "image", model: model.id, prompt: f.prompt, n: 1, ...(f.size ? { size: f.size } : {}) };
    case "tts":
      return { kind: "speech", model: model.id, input: f.prompt, voice: f.voice, response_format: f.format };
    case "stt":
      return { kind: "transcription", model: model.id, file: f.fileName || "audio.mp3" };
    case "video":
      return { kind: "video", model: model.id, prompt: f.prompt, seconds: f.seconds, size: f.videoSize };
    default:
      throw new Error(`no playground form for ${model.modality} models`);
  }
}

const DEFAULT_PROMPT: Record<string, string> = {
  chat: "Hello! What can you do?",
  completion: "Once upon a time",
  embedding: "The quick brown fox",
  image: "A lighthouse at dusk",
  tts: "Hello from the playground",
  video: "Waves rolling onto a beach",
};

export function Playground({
  origin,
  models: catalogModels,
  voices,
  localSpeechFormats,
  createKey,
}: {
  origin: string;
  models: PlaygroundModel[];
  voices: string[];
  localSpeechFormats: string[];
  createKey: (prev: CreateKeyState, form: FormData) => Promise<CreateKeyState>;
}) {
  const models = useMemo(() => catalogModels.filter((m) => m.modality in MODALITY_LABEL), [catalogModels]); // the kinds this page has a form for
  const apiKey = useSyncExternalStore(keyStore.subscribe, keyStore.get, () => null);
  const [pasted, setPasted] = useState("");
  const [keyError, setKeyError] = useState<string | null>(null);
  const [creatingKey, setCreatingKey] = useState(false);
  const [modelId, setModelId] = useState(models.find((m) => m.modality === "chat")?.id ?? models[0]?.id ?? "");
  const model = models.find((m) => m.id === modelId) ?? models[0];
  const [form, setForm] = useState<Form>({
    prompt: DEFAULT_PROMPT.chat,
    maxTokens: 256,
    size: "",
    voice: voices[0] ?? "alloy",
    format: "mp3",
    seconds: "4",
    videoSize: VIDEO_SIZES[0],
    fileName: "",
  });
  const [file, setFile] = useState<File | null>(null);
  const [running, setRunning] = useState(false);
  const [text, setText] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<RunResult | null>(null);
  const [mediaUrl, setMediaUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [credits, setCredits] = useState<Credits | null>(null);
  const [lang, setLang] = useState<"curl" | "node" | "python">("curl");
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => void (mediaUrl && URL.revokeObjectURL(mediaUrl)), [mediaUrl]);

  const adoptKey = (secret: string) => {
    keyStore.set(secret);
    setKeyError(null);
    setPasted("");
  };

  async function createPlaygroundKey() {
    setCreatingKey(true);
    setKeyError(null);
    try {
      const fd = new FormData();
      fd.set("name", `Playground ${new Date().toISOString().slice(0, 10)}`);
      const state = await createKey(undefined, fd);
      if (state?.ok) adoptKey(state.secret);
      else setKeyError(state?.error ?? "The key could not be created.");
    } catch {
      setKeyError("The key could not be created. Check the API keys page.");
    } finally {
      setCreatingKey(false);
    }
  }

  function chooseModel(id: string) {
    const next = models.find((m) => m.id === id);
    if (!next) return;
    setModelId(id);
    setForm((f) => ({ ...f, prompt: DEFAULT_PROMPT[next.modality] ?? f.prompt, size: next.sizes?.[0] ?? "" }));
    setResult(null);
    setText("");
    setError(null);
    setProgress(null);
    setMediaUrl(null);
  }

  const call = useMemo(() => (model ? callFor(model, form) : null), [model, form]);
  const samples = useMemo(() => (call ? samplesFor(origin, call, "playground") : []), [call, origin]);
  const shown = samples.find((s) => (lang === "curl" ? s.run === "shell" : s.run === lang));

  async function send(e: React.FormEvent) {
    e.preventDefault();
    if (!apiKey || !call) return;
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setError(null);
    setText("");
    setResult(null);
    setProgress(null);
    setMediaUrl(null);
    try {
      const r = await runCall(call, {
        fetch: (input, init) => fetch(input, init),
        origin,
        apiKey,
        signal: controller.signal,
        onText: setText,
        onProgress: setProgress,
        file: file ?? undefined,
      });
      setResult(r);
      if (r.text !== undefined) setText(r.text);
      if (r.media) setMediaUrl(URL.createObjectURL(r.media.blob));
    } catch (err) {
      if (controller.signal.aborted) return;
      if (err instanceof PlaygroundError && err.status === 401) {
        keyStore.set(null);
        setKeyError("That key was refused (revoked or mistyped). Create or paste another.");
      }
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      if (abort.current === controller) setRunning(false);
    }
    // The balance after the request (also after a refusal: nothing was charged then).
    readCredits({ fetch: (i, init) => fetch(i, init), origin, apiKey })
      .then(setCredits)
      .catch(() => {});
  }

  if (!model) return <p className="muted">No model is configured.</p>;
  const textPrompt = model.modality !== "stt";

  return (
    <div data-testid="playground">
      <section className="panel" data-testid="playground-key-panel">
        {apiKey ? (
          <p>
            Requests use the key <code data-testid="playground-key-start">{apiKey.slice(0, 10)}…</code>, kept in this browser tab only.{" "}
            <button
              type="button"
              className="secondary"
              data-testid="playground-forget-key"
              onClick={() => {
                keyStore.set(null);
              }}
            >
              Use another key
            </button>
          </p>
        ) : (
          <>
            <p>
              The playground sends its requests with one of your API keys. Create one for it (it is listed on the API keys page, where you can revoke it), or
              paste a key you already have.
            </p>
            <p>
              <button type="button" onClick={createPlaygroundKey} disabled={creatingKey} data-testid="playground-create-key">
                {creatingKey ? "Creating…" : "Create a key for the playground"}
              </button>
            </p>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (pasted.trim()) adoptKey(pasted.trim());
              }}
              style={{ display: "flex", gap: 8, alignItems: "end" }}
            >
              <div style={{ flex: 1 }}>
                <label htmlFor="playground-key">Or paste an API key</label>
                <input
                  id="playground-key"
                  type="password"
                  autoComplete="off"
                  placeholder="sk-mt-…"
                  value={pasted}
                  onChange={(e) => setPasted(e.target.value)}
                  data-testid="playground-key-input"
                />
              </div>
              <button type="submit" className="secondary" data-testid="playground-use-key">
                Use this key
              </button>
            </form>
          </>
        )}
        {keyError && (
          <p className="error" role="alert" data-testid="playground-key-error">
            {keyError}
          </p>
        )}
      </section>

      <form onSubmit={send} className="panel" data-testid="playground-form">
        <label htmlFor="playground-model">Model</label>
        <select id="playground-model" value={model.id} onChange={(e) => chooseModel(e.target.value)} data-testid="playground-model">
          {Object.entries(MODALITY_LABEL).map(([modality, label]) => {
            const group = models.filter((m) => m.modality === modality);
            return group.length ? (
              <optgroup key={modality} label={label}>
                {group.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id}
                  </option>
                ))}
              </optgroup>
            ) : null;
          })}
        </select>
        <p className="muted">{model.description}</p>

        {textPrompt && (
          <>
            <label htmlFor="playground-prompt">{model.modality === "chat" ? "Message" : model.modality === "tts" ? "Text to speak" : "Prompt"}</label>
            <textarea
              id="playground-prompt"
              rows={4}
              value={form.prompt}
              onChange={(e) => setForm({ ...form, prompt: e.target.value })}
              data-testid="playground-prompt"
            />
          </>
        )}
        {(model.modality === "chat" || model.modality === "completion") && (
          <>
            <label htmlFor="playground-max-tokens">Max tokens</label>
            <input
              id="playground-max-tokens"
              type="number"
              min={1}
              value={form.maxTokens}
              onChange={(e) => setForm({ ...form, maxTokens: Math.max(1, Number(e.target.value) || 1) })}
              data-testid="playground-max-tokens"
            />
          </>
        )}
        {model.modality === "image" && model.sizes && (
          <>
            <label htmlFor="playground-size">Size</label>
            <select id="playground-size" value={form.size} onChange={(e) => setForm({ ...form, size: e.target.value })} data-testid="playground-size">
              {model.sizes.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </>
        )}
        {model.modality === "tts" && (
          <>
            <label htmlFor="playground-voice">Voice</label>
            <select id="playground-voice" value={form.voice} onChange={(e) => setForm({ ...form, voice: e.target.value })}>
              {voices.map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
            <label htmlFor="playground-format">Format</label>
            <select
              id="playground-format"
              value={form.format}
              onChange={(e) => setForm({ ...form, format: e.target.value as Form["format"] })}
              data-testid="playground-format"
            >
              {(model.local ? localSpeechFormats : ["mp3", "wav", "flac", "pcm"]).map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          </>
        )}
        {model.modality === "stt" && (
          <>
            <label htmlFor="playground-file">Audio file</label>
            <input
              id="playground-file"
              type="file"
              accept="audio/*"
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setFile(f);
                setForm({ ...form, fileName: f?.name ?? "" });
              }}
              data-testid="playground-file"
            />
          </>
        )}
        {model.modality === "video" && (
          <>
            <label htmlFor="playground-seconds">Seconds</label>
            <select id="playground-seconds" value={form.seconds} onChange={(e) => setForm({ ...form, seconds: e.target.value as Form["seconds"] })}>
              {VIDEO_SECONDS.filter((s) => Number(s) <= (model.maxSeconds ?? 12)).map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
            <label htmlFor="playground-video-size">Size</label>
            <select id="playground-video-size" value={form.videoSize} onChange={(e) => setForm({ ...form, videoSize: e.target.value })}>
              {VIDEO_SIZES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </>
        )}
        <p>
          <button type="submit" disabled={!apiKey || running || (model.modality === "stt" && !file)} data-testid="playground-send">
            {running ? "Running…" : "Send"}
          </button>
          {!apiKey && <span className="muted"> Choose a key above first.</span>}
        </p>
      </form>

      <section className="panel" aria-label="Result" data-testid="playground-result" aria-live="polite">
        <h2>Result</h2>
        {error && (
          <p className="error" role="alert" data-testid="playground-error">
            {error}
          </p>
        )}
        {progress !== null && !result && <p data-testid="playground-progress">Rendering: {progress}%</p>}
        {(text || (running && (model.modality === "chat" || model.modality === "completion"))) && (
          <pre data-testid="playground-text" style={{ whiteSpace: "pre-wrap" }}>
            {text}
          </pre>
        )}
        {result?.images?.map((src, i) => (
          // eslint-disable-next-line @next/next/no-img-element -- a data: URL made in the browser; next/image cannot optimise it
          <img key={i} src={src} alt={`Generated image ${i + 1} for: ${form.prompt}`} data-testid="playground-image" style={{ maxWidth: "100%" }} />
        ))}
        {mediaUrl && result?.media?.contentType.startsWith("audio/") && <audio controls src={mediaUrl} data-testid="playground-audio" />}
        {mediaUrl && result?.media?.contentType.startsWith("video/") && (
          <video controls src={mediaUrl} data-testid="playground-video" style={{ maxWidth: "100%" }} />
        )}
        {result?.embedding && (
          <p data-testid="playground-embedding">
            {result.embedding.dimensions} dimensions: [{result.embedding.head.map((x) => x.toFixed(4)).join(", ")}, …]
          </p>
        )}
        {!result && !error && !running && <p className="muted">Send a request to see the answer, what it cost and your balance after it.</p>}
        {(result || credits) && (
          <dl>
            {result && (
              <>
                <dt>Cost of this request</dt>
                <dd data-testid="playground-cost" data-micro-usd={result.costMicroUsd ?? ""}>
                  {result.costMicroUsd === null ? "not reported" : `${formatMoney(BigInt(result.costMicroUsd))} (${result.costMicroUsd} micro-USD)`}
                </dd>
              </>
            )}
            {credits && (
              <>
                <dt>Balance after it</dt>
                <dd data-testid="playground-balance" data-micro-usd={credits.balance_micro_usd}>
                  {formatMoney(BigInt(credits.balance_micro_usd))}
                  {credits.reserved_micro_usd > 0 && <> ({formatMoney(BigInt(credits.available_micro_usd))} spendable, the rest held for requests in flight)</>}
                </dd>
              </>
            )}
            {result?.requestId && (
              <>
                <dt>Request id</dt>
                <dd>
                  <code data-testid="playground-request-id">{result.requestId}</code>
                </dd>
              </>
            )}
          </dl>
        )}
      </section>

      <section className="panel" aria-label="The same request as code" data-testid="playground-code">
        <h2>The same request as code</h2>
        <div role="group" aria-label="Language" style={{ display: "flex", gap: 8 }}>
          {(["curl", "node", "python"] as const).map((l) => (
            <button
              key={l}
              type="button"
              className={lang === l ? "" : "secondary"}
              aria-pressed={lang === l}
              onClick={() => setLang(l)}
              data-testid={`playground-lang-${l}`}
            >
              {l === "curl" ? "curl" : l === "node" ? "Node" : "Python"}
            </button>
          ))}
        </div>
        {shown && <CodeBlock code={shown.code} lang={shown.lang} testId="playground-sample" />}
      </section>
    </div>
  );
}
