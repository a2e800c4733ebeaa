/** Writes bits MSB-first into a growing byte array. */
export class BitWriter {
  private buf = new Uint8Array(1024);
  private pos = 0;
  private acc = 0;
  private n = 0;

  write(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }

  private flushByte(): void {
    if (this.pos === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.pos++] = this.acc;
    this.acc = 0;
    this.n = 0;
  }

  finish(): Uint8Array {
    if (this.n > 0) {
      this.acc <<= 8 - this.n;
      this.flushByte();
    }
    return this.buf.slice(0, this.pos);
  }
}

/** Reads bits MSB-first; reading past the end throws. */
export class BitReader {
  private pos = 0;
  private bit = 0;
  constructor(private readonly buf: Uint8Array) {}

  readBit(): number {
    if (this.pos >= this.buf.length) throw new RangeError('Expected more coded bits, got the end of the data');
    const b = (this.buf[this.pos] >>> (7 - this.bit)) & 1;
    if (++this.bit === 8) {
      this.bit = 0;
      this.pos++;
    }
    return b;
  }

  read(bits: number): number {
    let v = 0;
    for (let i = 0; i < bits; i++) v = (v << 1) | this.readBit();
    return v >>> 0;
  }
}

/** Unsigned LEB128 varint writer/reader helpers for compact tables. */
export function writeVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

export function readVarint(buf: Uint8Array, at: { pos: number }): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (at.pos >= buf.length) throw new RangeError('Expected a varint, got the end of the data');
    const b = buf[at.pos++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 128;
  }
  throw new RangeError('Expected a varint of at most 5 bytes, got a longer one');
}
