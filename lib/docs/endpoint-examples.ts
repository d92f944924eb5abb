import type { ApiCall } from "./samples";

// The request each API reference page shows (and the playground starts from), per
// endpoint, built from the catalog's models. Plain data (model ids and modalities only), so
// the playground's client code builds the same calls.

export type ModelRef = { id: string; modality: string; sizes?: readonly string[] };

export type EndpointId =
  "chat-completions" | "completions" | "responses" | "embeddings" | "images" | "speech" | "transcriptions" | "videos" | "models" | "credits";

export type EndpointExample = {
  /** Unique across pages: the key of its recorded response in response-examples.json. */
  id: string;
  title: string;
  call: ApiCall;
  /** How the response is shown: JSON body, server-sent events, or the headers of a binary body. */
  response: "json" | "sse" | "headers";
};

const first = (models: readonly ModelRef[], modality: string) => models.find((m) => m.modality === modality);

/** The examples of one endpoint page; empty when the catalog serves no model for it. */
export function endpointExamples(id: EndpointId, models: readonly ModelRef[]): EndpointExample[] {
  const chat = first(models, "chat");
  switch (id) {
    case "chat-completions":
      return chat
        ? [
            {
              id: "chat",
              title: "A chat completion",
              call: { kind: "chat", model: chat.id, messages: [{ role: "user", content: "Hello" }], max_tokens: 64 },
              response: "json",
            },
            {
              id: "chat-stream",
              title: "Streaming",
              call: { kind: "chat", model: chat.id, messages: [{ role: "user", content: "Hello" }], max_tokens: 64, stream: true },
              response: "sse",
            },
          ]
        : [];
    case "completions": {
      const m = first(models, "completion");
      return m
        ? [
            {
              id: "completion",
              title: "A text completion",
              call: { kind: "completion", model: m.id, prompt: "Once upon a time", max_tokens: 16 },
              response: "json",
            },
          ]
        : [];
    }
    case "responses":
      return chat
        ? [
            { id: "response", title: "A response", call: { kind: "response", model: chat.id, input: "Say hello", max_output_tokens: 64 }, response: "json" },
            {
              id: "response-stream",
              title: "Streaming",
              call: { kind: "response", model: chat.id, input: "Say hello", max_output_tokens: 64, stream: true },
              response: "sse",
            },
          ]
        : [];
    case "embeddings": {
      const m = first(models, "embedding");
      return m ? [{ id: "embedding", title: "Embed a text", call: { kind: "embedding", model: m.id, input: "The quick brown fox" }, response: "json" }] : [];
    }
    case "images": {
      const m = first(models, "image");
      const size = m?.sizes?.[0];
      return m
        ? [
            {
              id: "image",
              title: "Generate an image",
              call: { kind: "image", model: m.id, prompt: "A lighthouse at dusk", n: 1, ...(size ? { size } : {}) },
              response: "json",
            },
          ]
        : [];
    }
    case "speech": {
      const m = first(models, "tts");
      return m
        ? [
            {
              id: "speech",
              title: "Text to speech (MP3)",
              call: { kind: "speech", model: m.id, input: "Hello from Metered", voice: "alloy" },
              response: "headers",
            },
          ]
        : [];
    }
    case "transcriptions": {
      const m = first(models, "stt");
      return m ? [{ id: "transcription", title: "Transcribe a file", call: { kind: "transcription", model: m.id, file: "speech.mp3" }, response: "json" }] : [];
    }
    case "videos": {
      const m = first(models, "video");
      return m
        ? [
            {
              id: "video",
              title: "Generate a video",
              call: { kind: "video", model: m.id, prompt: "Waves rolling onto a beach", seconds: "4", size: "1280x720" },
              response: "json",
            },
          ]
        : [];
    }
    case "models":
      return [{ id: "models", title: "List the models", call: { kind: "models" }, response: "json" }];
    case "credits":
      return [{ id: "credits", title: "Your balance", call: { kind: "credits" }, response: "json" }];
  }
}
