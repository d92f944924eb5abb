// The local embedding simulator (local/embed-sim): a deterministic unit vector per input,
// built from the input's real tokens by sparse random projection. Every token id adds ±1
// at a few positions picked by a hash of (token, slot), so the same text always gives the
// same vector, and texts sharing tokens point in similar directions (cosine similarity
// means something). Cost is linear in tokens, independent of `dimensions`.

const SLOTS_PER_TOKEN = 8;

/** Murmur3's 32-bit finaliser: a well-mixed hash of one integer. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export function simulateEmbedding(tokens: readonly number[], dimensions: number): Float32Array {
  const v = new Float64Array(dimensions);
  for (const token of tokens) {
    for (let slot = 0; slot < SLOTS_PER_TOKEN; slot++) {
      const h = mix(Math.imul(token + 1, 0x9e3779b1) ^ mix(slot + 0x51ed270b));
      v[h % dimensions] += h & 0x80000000 ? 1 : -1;
    }
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  const out = new Float32Array(dimensions);
  if (norm === 0) {
    out[0] = 1; // every contribution cancelled out (vanishingly rare): still a unit vector
    return out;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) out[i] = v[i] * scale;
  return out;
}

/** encoding_format "base64": the float32 values, little-endian, base64 (what the SDKs decode). */
export function embeddingBase64(vector: Float32Array): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i], true);
  return Buffer.from(bytes).toString("base64");
}
