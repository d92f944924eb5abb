// Display helpers shared by the server pages and the client charts (no server imports).

export type UnitFields = {
  modality: string;
  inputTokens: bigint | number;
  outputTokens: bigint | number;
  images: bigint | number;
  videoSeconds: bigint | number;
  characters: bigint | number;
  audioMs: bigint | number;
};

const int = (n: bigint | number) =>
  BigInt(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Minutes of audio from milliseconds, to the millisecond: "1.5", "0.122167" is shown as "0.122". */
export function audioMinutes(ms: bigint | number): string {
  const v = BigInt(ms);
  const whole = v / 60_000n;
  const frac = ((v % 60_000n) * 1000n) / 60_000n; // thousandths of a minute, truncated
  const f = frac.toString().padStart(3, "0").replace(/0+$/, "");
  return `${int(whole)}${f ? "." + f : ""}`;
}

/** What a request was billed on, in its own unit: "12 in / 30 out tokens", "2 images", … */
export function formatUnits(r: UnitFields): string {
  switch (r.modality) {
    case "image":
      return `${int(r.images)} image${BigInt(r.images) === 1n ? "" : "s"}`;
    case "video":
      return `${int(r.videoSeconds)} s video`;
    case "tts":
      return `${int(r.characters)} chars`;
    case "stt":
      return `${audioMinutes(r.audioMs)} min audio`;
    case "embedding":
      return `${int(r.inputTokens)} in tokens`;
    default:
      return `${int(r.inputTokens)} in / ${int(r.outputTokens)} out tokens`;
  }
}

export function formatInt(n: bigint | number): string {
  return int(n);
}

/** "2025-03-04 13:05:09 UTC" from an ISO timestamp. */
export function formatUtc(iso: string, withSeconds = true): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, withSeconds ? 19 : 16)} UTC`;
}
