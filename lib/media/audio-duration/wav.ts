import { AudioDecodeError } from "./errors";

// RIFF/WAVE: reading any PCM-family WAV exactly from its header and data chunk, so a
// transcription is billed from the audio itself. (Writing WAV for the simulators is
// lib/providers/local/media/wav.ts.)

export type WavInfo = {
  formatCode: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  dataBytes: number;
  /** Sample frames in the data chunk (one sample per channel each). */
  frames: number;
  /** Whole milliseconds, rounded up: a partial millisecond of audio is still audio. */
  durationMs: number;
  dataOffset: number;
};

// PCM, IEEE float, A-law, µ-law, and WAVE_FORMAT_EXTENSIBLE: fixed-size frames, so the
// duration is exactly frames / sample rate.
const FIXED_FRAME_FORMATS = new Set([1, 3, 6, 7, 0xfffe]);

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0) === "RIFF" && ascii(bytes, 8) === "WAVE";
}

function ascii(b: Uint8Array, off: number): string {
  return String.fromCharCode(b[off], b[off + 1], b[off + 2], b[off + 3]);
}

export function parseWav(bytes: Uint8Array): WavInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isWav(bytes)) throw new AudioDecodeError("not a WAV file (missing RIFF/WAVE header)");
  let off = 12;
  let fmt: Omit<WavInfo, "dataBytes" | "frames" | "durationMs" | "dataOffset"> | undefined;
  while (off + 8 <= bytes.length) {
    const id = ascii(bytes, off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.length) throw new AudioDecodeError("WAV fmt chunk is truncated");
      const formatCode = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bitsPerSample = view.getUint16(body + 14, true);
      if (!FIXED_FRAME_FORMATS.has(formatCode)) {
        throw new AudioDecodeError(`WAV format code ${formatCode} is not supported; send PCM, float, A-law or µ-law WAV, or MP3/FLAC/OGG/M4A/WebM`);
      }
      if (channels < 1 || channels > 32) throw new AudioDecodeError("WAV header has an invalid channel count");
      if (sampleRate < 1000 || sampleRate > 768_000) throw new AudioDecodeError("WAV header has an invalid sample rate");
      if (bitsPerSample < 8 || bitsPerSample > 64 || blockAlign !== channels * Math.ceil(bitsPerSample / 8)) {
        throw new AudioDecodeError("WAV header has an inconsistent sample size");
      }
      fmt = { formatCode, channels, sampleRate, bitsPerSample, blockAlign };
    } else if (id === "data") {
      if (!fmt) throw new AudioDecodeError("WAV data chunk comes before its fmt chunk");
      const available = bytes.length - body;
      // Streaming writers that never rewound to patch the header leave 0 or 0xFFFFFFFF:
      // then the data runs to the end of the file.
      const placeholder = size === 0xffffffff || (size === 0 && available > 0);
      if (!placeholder && size > available) {
        throw new AudioDecodeError(`WAV file is truncated: the data chunk declares ${size} bytes but only ${available} are present`);
      }
      const dataBytes = placeholder ? available : size;
      const frames = Math.floor(dataBytes / fmt.blockAlign);
      if (frames === 0) throw new AudioDecodeError("WAV file contains no audio samples");
      const durationMs = Math.ceil((frames * 1000) / fmt.sampleRate);
      return { ...fmt, dataBytes, frames, durationMs, dataOffset: body };
    }
    off = body + size + (size & 1); // chunks are padded to even sizes
  }
  throw new AudioDecodeError(fmt ? "WAV file is truncated: no data chunk" : "WAV file is truncated: no fmt chunk");
}
