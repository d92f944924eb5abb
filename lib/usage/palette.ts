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
// Theme tokens (app/globals.css): these follow the light or dark theme.
export const SERIES_COLORS = {
  total: "var(--chart-1)",
  requests: "var(--muted-foreground)",
  inputTokens: "var(--chart-2)",
  outputTokens: "var(--chart-3)",
} as const;

/** Axis, grid and cursor colours of every chart, from the theme tokens. */
export const CHART_CHROME = { axis: "var(--muted-foreground)", grid: "var(--border)", cursor: "var(--accent)" } as const;
