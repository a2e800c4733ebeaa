/**
 * Binary arithmetic coding over adaptive probabilities (carry-less, 32-bit range,
 * 12-bit probabilities of a 1), shared by the context-modelled mask and the LZ coder.
 */
export const PROB_BITS = 12;
export const PROB_ONE = 1 << PROB_BITS;

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
    this.encodeWith(bit, p[ctx]);
    if (bit) p[ctx] += (PROB_ONE - p[ctx]) >> this.adapt;
    else p[ctx] -= p[ctx] >> this.adapt;
  }

  /** One bit at a probability of a 1 the caller keeps: p1 in 12 bits, 1..4095. */
  encodeWith(bit: number, p1: number): void {
    const xmid = this.x1 + ((this.x2 - this.x1) >>> PROB_BITS) * p1;
    if (bit) this.x2 = xmid;
    else this.x1 = xmid + 1;
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
    // the fewest leading bytes of a value inside [x1, x2]: the decoder reads zeros past the
    // end, so x2 with its low bytes cleared is that value as soon as it is still >= x1
    for (let k = 1; k <= 4; k++) {
      const shift = 32 - 8 * k;
      const v = k === 4 ? this.x2 : ((this.x2 >>> shift) << shift) >>> 0;
      if (v >= this.x1) {
        for (let i = 0; i < k; i++) this.put((v >>> (24 - 8 * i)) & 255);
        break;
      }
    }
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
    const bit = this.decodeWith(p[ctx]);
    if (bit) p[ctx] += (PROB_ONE - p[ctx]) >> this.adapt;
    else p[ctx] -= p[ctx] >> this.adapt;
    return bit;
  }

  /** One bit at a probability of a 1 the caller keeps (as `BitEncoder.encodeWith`). */
  decodeWith(p1: number): number {
    const xmid = this.x1 + ((this.x2 - this.x1) >>> PROB_BITS) * p1;
    let bit: number;
    if (this.x <= xmid) {
      bit = 1;
      this.x2 = xmid;
    } else {
      bit = 0;
      this.x1 = xmid + 1;
    }
    while (((this.x1 ^ this.x2) & 0xff000000) === 0) {
      this.x1 = (this.x1 << 8) >>> 0;
      this.x2 = ((this.x2 << 8) | 255) >>> 0;
      this.x = ((this.x << 8) | this.next()) >>> 0;
    }
    return bit;
  }
}
