/** MSB-first bit writer for FLAC frames (values up to 32 bits per call). */
export class BitWriter {
  private buf: Uint8Array;
  private len = 0; // bytes completed
  private acc = 0; // pending bits, right-aligned
  private nacc = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(extra: number) {
    if (this.len + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  write(value: number, bits: number): void {
    if (bits > 24) {
      this.write(Math.floor(value / 2 ** 16) & ((1 << (bits - 16)) - 1), bits - 16);
      this.write(value & 0xffff, 16);
      return;
    }
    this.ensure(4);
    this.acc = (this.acc << bits) | (value & ((1 << bits) - 1));
    this.nacc += bits;
    while (this.nacc >= 8) {
      this.nacc -= 8;
      this.buf[this.len++] = (this.acc >>> this.nacc) & 0xff;
    }
    this.acc &= (1 << this.nacc) - 1;
  }

  /** `count` zero bits then a one: the unary quotient of a Rice code. */
  writeUnary(count: number): void {
    while (count >= 24) {
      this.write(0, 24);
      count -= 24;
    }
    this.write(1, count + 1);
  }

  alignToByte(): void {
    if (this.nacc > 0) this.write(0, 8 - this.nacc);
  }

  bytes(): Uint8Array {
    if (this.nacc !== 0) throw new Error("BitWriter: not byte-aligned");
    return this.buf.subarray(0, this.len);
  }
}
