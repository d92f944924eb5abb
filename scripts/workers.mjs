/**
 * The number of server processes WEB_CONCURRENCY asks for: unset or empty 1, `auto` one per
 * core, else a whole number from 1 to 256. Throws with a message naming the variable.
 * @param {string | undefined} value
 * @param {number} cores
 * @returns {number}
 */
export function workerCount(value, cores) {
  const v = (value ?? "").trim();
  if (v === "") return 1;
  if (v === "auto") return Math.max(1, cores);
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 256) {
    throw new Error(`WEB_CONCURRENCY: must be a whole number from 1 to 256, or "auto" (one worker per core); got "${value}"`);
  }
  return Number(v);
}
