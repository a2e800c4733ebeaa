/**
 * The zero mask of a 2-D code tensor (rows x cols, row-major; for a dense kernel
 * [inputs, units] a row is an input neuron and a column an output unit), coded bit by bit
 * with an adaptive binary arithmetic coder (carry-less, 32-bit, 12-bit probabilities).
 * Pruning leaves whole inputs and whole units dead: those are sent as one bit per row and
 * per column; the live cells are coded with the bit above, the bit to the left and whether
 * the column has had a non-zero yet as context. A gap coder sees only run lengths.
 */
const PROB_BITS = 12;
const PROB_ONE = 1 << PROB_BITS;
const ADAPT = 5;
const ROW_CTX = 0;
const COL_CTX = 1;
const CONTEXTS = 2 + 8;

/** Binary arithmetic encoder (carry-less, 32-bit) over adaptive probabilities. */
class BitEncoder {
  private out = new Uint8Array(256);
  private n = 0;
  private x1 = 0;
  private x2 = 0xffffffff;
  readonly p = new Uint16Array(CONTEXTS).fill(PROB_ONE >> 1);

  encode(bit: number, ctx: number): void {
    const p = this.p;
    const xmid = this.x1 + Math.floor((this.x2 - this.x1) / PROB_ONE) * p[ctx];
    if (bit) {
      this.x2 = xmid;
      p[ctx] += (PROB_ONE - p[ctx]) >> ADAPT;
    } else {
      this.x1 = xmid + 1;
      p[ctx] -= p[ctx] >> ADAPT;
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
class BitDecoder {
  private pos = 0;
  private x1 = 0;
  private x2 = 0xffffffff;
  private x: number;
  readonly p = new Uint16Array(CONTEXTS).fill(PROB_ONE >> 1);

  constructor(private readonly bytes: Uint8Array) {
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
      p[ctx] += (PROB_ONE - p[ctx]) >> ADAPT;
    } else {
      bit = 0;
      this.x1 = xmid + 1;
      p[ctx] -= p[ctx] >> ADAPT;
    }
    while (((this.x1 ^ this.x2) & 0xff000000) === 0) {
      this.x1 = (this.x1 << 8) >>> 0;
      this.x2 = ((this.x2 << 8) | 255) >>> 0;
      this.x = ((this.x << 8) | this.next()) >>> 0;
    }
    return bit;
  }
}

function cellContext(mask: Uint8Array, r: number, c: number, cols: number, colAny: Uint8Array): number {
  const up = r > 0 ? mask[(r - 1) * cols + c] : 0;
  const left = c > 0 ? mask[r * cols + c - 1] : 0;
  return 2 + (up | (left << 1) | (colAny[c] << 2));
}

/**
 * Encode a 0/1 mask of rows x cols: first which rows and which columns hold any
 * non-zero (dead inputs and dead units cost one bit each), then every cell of the live
 * rows x live columns.
 */
export function encodeMask(mask: Uint8Array, rows: number, cols: number): Uint8Array {
  if (mask.length !== rows * cols) throw new RangeError(`Expected a mask of ${rows * cols} bits, got ${mask.length}`);
  const rowAlive = new Uint8Array(rows);
  const colAlive = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (mask[r * cols + c]) {
        rowAlive[r] = 1;
        colAlive[c] = 1;
      }
    }
  }
  const enc = new BitEncoder();
  for (let r = 0; r < rows; r++) enc.encode(rowAlive[r], ROW_CTX);
  for (let c = 0; c < cols; c++) enc.encode(colAlive[c], COL_CTX);
  const colAny = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    if (!rowAlive[r]) continue;
    for (let c = 0; c < cols; c++) {
      if (!colAlive[c]) continue;
      const bit = mask[r * cols + c];
      enc.encode(bit, cellContext(mask, r, c, cols, colAny));
      if (bit) colAny[c] = 1;
    }
  }
  return enc.finish();
}

/** Decode a mask written by encodeMask; bounded work (rows x cols steps) on any input. */
export function decodeMask(bytes: Uint8Array, rows: number, cols: number): Uint8Array {
  const mask = new Uint8Array(rows * cols);
  const dec = new BitDecoder(bytes);
  const rowAlive = new Uint8Array(rows);
  const colAlive = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) rowAlive[r] = dec.decode(ROW_CTX);
  for (let c = 0; c < cols; c++) colAlive[c] = dec.decode(COL_CTX);
  const colAny = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    if (!rowAlive[r]) continue;
    for (let c = 0; c < cols; c++) {
      if (!colAlive[c]) continue;
      const bit = dec.decode(cellContext(mask, r, c, cols, colAny));
      mask[r * cols + c] = bit;
      if (bit) colAny[c] = 1;
    }
  }
  return mask;
}

/** Rows x cols view of a shape: the last dimension is the columns. */
export function matrixShape(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  const cols = shape[shape.length - 1];
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return [rows, cols];
}
