/**
 * The uploaded audio could not be decoded (truncated, corrupt, unsupported). Callers map
 * it to a 400 that repeats `message`; it never carries internals of the parser.
 */
export class AudioDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AudioDecodeError";
  }
}
