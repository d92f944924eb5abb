import { digest, prng } from "./seed";

// The local text-to-speech simulator. Not speech, but honest audio: each character
// becomes a short sound (vowels: two formant tones over a voiced pitch; consonants: a
// shaped noise burst; spaces and punctuation: silence), so the duration is proportional
// to the text and the same input always yields the same samples.

export const SPEECH_SAMPLE_RATE = 24_000;
/** Milliseconds per character at speed 1.0. */
export const MS_PER_CHARACTER = 60;
export const SPEECH_MIN_SPEED = 0.25;
export const SPEECH_MAX_SPEED = 4;

// Voices differ in base pitch (Hz). Unknown voices get a pitch from their name's hash.
const VOICE_PITCH: Record<string, number> = {
  alloy: 140,
  ash: 110,
  ballad: 125,
  coral: 190,
  echo: 105,
  fable: 150,
  nova: 210,
  onyx: 90,
  sage: 175,
  shimmer: 220,
  verse: 130,
  marin: 180,
  cedar: 100,
};

/** The voices OpenAI's speech endpoint names; each is a different base pitch here. */
export const SPEECH_VOICES: readonly string[] = Object.keys(VOICE_PITCH);

// Rough first and second formants (Hz) for the vowel letters.
const FORMANTS: Record<string, [number, number]> = {
  a: [730, 1090],
  e: [530, 1840],
  i: [270, 2290],
  o: [570, 840],
  u: [300, 870],
  y: [400, 1900],
};

/** The number of characters billed for `text`: Unicode code points, as users count them. */
export function countCharacters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Samples the simulator produces for `text` at `speed` (deterministic, no rendering). */
export function speechSampleCount(text: string, speed = 1): number {
  return countCharacters(text) * Math.round((SPEECH_SAMPLE_RATE * MS_PER_CHARACTER) / 1000 / speed);
}

export function synthesizeSpeech(text: string, opts: { voice?: string; speed?: number } = {}): Int16Array {
  const speed = opts.speed ?? 1;
  if (!(speed >= SPEECH_MIN_SPEED && speed <= SPEECH_MAX_SPEED)) throw new RangeError("speed out of range");
  const voice = (opts.voice ?? "alloy").toLowerCase();
  const pitch = VOICE_PITCH[voice] ?? 90 + (digest("voice", voice).readUInt16LE(0) % 140);
  const perChar = Math.round((SPEECH_SAMPLE_RATE * MS_PER_CHARACTER) / 1000 / speed);
  const out = new Int16Array(speechSampleCount(text, speed));
  const noise = prng(digest("speech", voice, text).readUInt32LE(0));
  const fade = Math.min(120, Math.floor(perChar / 4)); // short ramps: no clicks between sounds

  let pos = 0;
  let phase = 0; // carried across characters so the voiced pitch is continuous
  for (const ch of text) {
    const c = ch.toLowerCase();
    const formant = FORMANTS[c];
    const isLetter = /\p{L}/u.test(c);
    const isDigit = /\p{Nd}/u.test(c);
    for (let i = 0; i < perChar; i++) {
      const env = Math.min(1, i / fade, (perChar - 1 - i) / fade);
      let s = 0;
      const t = (pos + i) / SPEECH_SAMPLE_RATE;
      if (formant) {
        // Voiced: a glottal-ish pulse train at `pitch` shaped by two formant tones.
        phase += (2 * Math.PI * pitch * (1 + 0.03 * Math.sin(2 * Math.PI * 5 * t))) / SPEECH_SAMPLE_RATE;
        const glottal = 0.6 + 0.4 * Math.sin(phase);
        s = glottal * (0.55 * Math.sin(2 * Math.PI * formant[0] * t) + 0.3 * Math.sin(2 * Math.PI * formant[1] * t));
      } else if (isLetter) {
        s = 0.25 * (noise() * 2 - 1) * (0.5 + 0.5 * Math.sin(2 * Math.PI * (1500 + (c.codePointAt(0)! % 26) * 120) * t));
      } else if (isDigit) {
        s = 0.4 * Math.sin(2 * Math.PI * (400 + (Number(c) || 0) * 60) * t);
      }
      out[pos + i] = Math.round(s * env * 20_000);
    }
    pos += perChar;
  }
  return out;
}
