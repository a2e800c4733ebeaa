/**
 * Binary arithmetic coding over adaptive probabilities (carry-less, 32-bit range,
 * 12-bit probabilities of a 1), shared by the context-modelled mask and the LZ coder.
 */
const PROB_BITS = 12;
const PROB_ONE = 1 << PROB_BITS;

/** Binary arithmetic encoder (carry-less, 32-bit) over adaptive probabilities. */
export class BitEncoder {
  private out = new Uint8Array(256);
  private n = 0;
  private x1 = 0;
  private x2 = 0xffffffff;
  readonly p: Uint16Array;

  /** contexts: number of adaptive probabilities; adapt: their update shift (smaller adapts faster). */
  constructor(contexts: number, private readonly adapt = 5) {
    this.p = new Uint16Array(contexts).fill(PROB_ONE >> 1);
  }

  encode(bit: number, ctx: number): void {
    const p = this.p;
    const xmid = this.x1 + Math.floor((this.x2 - this.x1) / PROB_ONE) * p[ctx];
    if (bit) {
      this.x2 = xmid;
      p[ctx] += (PROB_ONE - p[ctx]) >> this.adapt;
    } else {
      this.x1 = xmid + 1;
      p[ctx] -= p[ctx] >> this.adapt;
    }
    while (((this.x1 ^ this.x2) & 0xff000000) === 0) {
      this.put(this.x2 >>> 24);
      this.x1 = (this.x1 << 8) >>> 0;
      this.x2 = ((this.x2 << 8) | 255) >>> 0;
    }
  }

  private put(b: number): void {
    if (this.n === this.out.length) {
      const next = new Uint8Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.n++] = b;
  }

  finish(): Uint8Array {
    // enough of x1 to pin a value inside [x1, x2]
    for (const shift of [24, 16, 8, 0]) this.put((this.x1 >>> shift) & 255);
    return this.out.slice(0, this.n);
  }
}

/** The matching decoder; past the end it reads zeros, so work stays bounded on any input. */
export class BitDecoder {
  private pos = 0;
  private x1 = 0;
  private x2 = 0xffffffff;
  private x: number;
  readonly p: Uint16Array;

  constructor(private readonly bytes: Uint8Array, contexts: number, private readonly adapt = 5) {
    this.p = new Uint16Array(contexts).fill(PROB_ONE >> 1);
    this.x = ((this.next() << 24) | (this.next() << 16) | (this.next() << 8) | this.next()) >>> 0;
  }

  private next(): number {
    return this.pos < this.bytes.length ? this.bytes[this.pos++] : 0;
  }

  decode(ctx: number): number {
    const p = this.p;
    const xmid = this.x1 + Math.floor((this.x2 - this.x1) / PROB_ONE) * p[ctx];
    let bit: number;
    if (this.x <= xmid) {
      bit = 1;
      this.x2 = xmid;
      p[ctx] += (PROB_ONE - p[ctx]) >> this.adapt;
    } else {
      bit = 0;
      this.x1 = xmid + 1;
      p[ctx] -= p[ctx] >> this.adapt;
    }
    while (((this.x1 ^ this.x2) & 0xff000000) === 0) {
      this.x1 = (this.x1 << 8) >>> 0;
      this.x2 = ((this.x2 << 8) | 255) >>> 0;
      this.x = ((this.x << 8) | this.next()) >>> 0;
    }
    return bit;
  }
}
