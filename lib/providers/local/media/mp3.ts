import { Mp3Encoder } from "@breezystack/lamejs";

// MP3 (MPEG audio layer III) for the speech simulator: OpenAI's default speech format.
// The encoder is lamejs (LAME ported to JavaScript), in the @breezystack/lamejs packaging:
// the original lamejs 1.2.1 package throws "MPEGMode is not defined" when loaded as a
// CommonJS or ES module (its files rely on sloppy-mode globals), this one is the same code
// built as a module. At 24 kHz the frames are MPEG-2 layer III, 576 samples each.
//
// Encoding is CPU work in JavaScript (the longest input, 4,096 characters, is about four
// minutes of audio: seconds of work), so the encoder yields to the event loop every few
// milliseconds: the instance keeps answering other requests meanwhile.

export const MP3_KBPS = 64;
const BLOCK = 1152; // samples handed to the encoder at a time, as LAME's examples do
const SLICE_MS = 8;

export async function encodeMp3(samples: Int16Array, sampleRate: number, kbps = MP3_KBPS): Promise<Buffer> {
  const enc = new Mp3Encoder(1, sampleRate, kbps);
  const parts: Uint8Array[] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < samples.length; i += BLOCK) {
    const out = enc.encodeBuffer(samples.subarray(i, i + BLOCK));
    if (out.length) parts.push(Uint8Array.from(out));
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      sliceStart = performance.now();
    }
  }
  const tail = enc.flush();
  if (tail.length) parts.push(Uint8Array.from(tail));
  return Buffer.concat(parts);
}
