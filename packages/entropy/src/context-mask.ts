/**
 * The zero mask of a 2-D code tensor (rows x cols, row-major; for a dense kernel
 * [inputs, units] a row is an input neuron and a column an output unit), coded bit by bit
 * with an adaptive binary arithmetic coder (carry-less, 32-bit, 12-bit probabilities).
 * Pruning leaves whole inputs and whole units dead: those are sent as one bit per row and
 * per column; the live cells are coded with the bit above, the bit to the left and whether
 * the column has had a non-zero yet as context. A gap coder sees only run lengths.
 */
import { BitDecoder, BitEncoder } from './binary-coder.js';

const ROW_CTX = 0;
const COL_CTX = 1;
const CONTEXTS = 2 + 8;

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
  const enc = new BitEncoder(CONTEXTS);
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
  const dec = new BitDecoder(bytes, CONTEXTS);
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
