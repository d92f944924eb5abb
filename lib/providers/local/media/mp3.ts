import { Mp3Encoder } from "@breezystack/lamejs";

// MP3 (MPEG audio layer III) for the speech simulator: OpenAI's default speech format.
// The encoder is lamejs (LAME ported to JavaScript), in the @breezystack/lamejs packaging:
// the original lamejs 1.2.1 package throws "MPEGMode is not defined" when loaded as a
// CommonJS or ES module (its files rely on sloppy-mode globals), this one is the same code
// built as a module. At 24 kHz the frames are MPEG-2 layer III, 576 samples each.

export const MP3_KBPS = 64;
const BLOCK = 1152; // samples handed to the encoder at a time, as LAME's examples do

export function encodeMp3(samples: Int16Array, sampleRate: number, kbps = MP3_KBPS): Buffer {
  const enc = new Mp3Encoder(1, sampleRate, kbps);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < samples.length; i += BLOCK) {
    const out = enc.encodeBuffer(samples.subarray(i, i + BLOCK));
    if (out.length) parts.push(Uint8Array.from(out));
  }
  const tail = enc.flush();
  if (tail.length) parts.push(Uint8Array.from(tail));
  return Buffer.concat(parts);
}
