// A valid MP3 for tests: silent MPEG-1 Layer III frames (the duration parser,
// lib/media/audio-duration/mp3.ts, and the transcription route measure it).

/**
 * Silent MPEG-1 Layer III, 48 kHz mono, 128 kbit/s: `frameCount` frames of 1152 samples
 * (24 ms each), every granule with zero-length main data, which decoders play as silence.
 */
export function writeSilentMp3(frameCount: number): Buffer {
  const FRAME = 384; // 144 * 128000 / 48000, no padding needed
  const out = Buffer.alloc(FRAME * frameCount);
  for (let i = 0; i < frameCount; i++) {
    out[i * FRAME] = 0xff;
    out[i * FRAME + 1] = 0xfb; // MPEG-1, Layer III, no CRC
    out[i * FRAME + 2] = 0x94; // 128 kbit/s, 48 kHz, no padding
    out[i * FRAME + 3] = 0xc0; // mono
  }
  return out;
}
