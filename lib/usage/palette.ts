// The charts' colours, one source for every chart (no imports: client charts read it).
// A model keeps its colour on every chart (lib/usage/colors.ts assigns them in catalog
// order); a modality has one fixed colour.

export const MODEL_PALETTE = [
  "#6ea8fe",
  "#4cd18a",
  "#f2b84b",
  "#c38cff",
  "#ff8f6b",
  "#5fd4d4",
  "#ff6b9a",
  "#a3b36b",
  "#e0e38c",
  "#8c9eff",
  "#ffb3d1",
  "#7fdbb6",
];

export const MODALITY_COLORS: Record<string, string> = {
  chat: "#6ea8fe",
  completion: "#8c9eff",
  image: "#f2b84b",
  video: "#ff8f6b",
  tts: "#c38cff",
  stt: "#5fd4d4",
};

/** Series that are neither a model nor a modality (requests, token directions). */
export const SERIES_COLORS = { total: "#6ea8fe", requests: "#9aa3b2", inputTokens: "#4cd18a", outputTokens: "#f2b84b" } as const;
