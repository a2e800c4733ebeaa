import { readFileSync } from 'node:fs';
import { SoftshareError } from '@softshare/core';

/** A parsed IDX file of unsigned bytes (the only element type MNIST uses). */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: 'ubyte', 0x09: 'byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

/**
 * Parse an IDX buffer (LeCun's format: two zero bytes, a type byte, a dimension count,
 * big-endian uint32 dimensions, then the data). Checks the magic, the type, and that the
 * data length matches the dimensions exactly.
 *
 * @example
 * const { dims, data } = parseIdx(readFileSync('t10k-labels-idx1-ubyte'), 't10k-labels');
 */
export function parseIdx(buf: Uint8Array, name = 'IDX file'): IdxArray {
  const fail = (code: 'E_IDX_FORMAT' | 'E_IDX_TRUNCATED', msg: string): never => {
    throw new SoftshareError(code, 'data', `${name}: ${msg}`);
  };
  if (buf.byteLength < 4) fail('E_IDX_TRUNCATED', `expected at least a 4-byte IDX header, got ${buf.byteLength} bytes`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    fail('E_IDX_FORMAT', `expected IDX magic 0x0000, got 0x${hex(buf[0])}${hex(buf[1])} (not an IDX file; gzipped?)`);
  }
  const type = buf[2];
  const ndims = buf[3];
  if (type !== UBYTE) fail('E_IDX_FORMAT', `expected element type ubyte (0x08), got ${TYPE_NAMES[type] ?? `unknown 0x${hex(type)}`}`);
  if (ndims < 1 || ndims > 4) fail('E_IDX_FORMAT', `expected 1 to 4 dimensions, got ${ndims}`);
  const headerBytes = 4 + 4 * ndims;
  if (buf.byteLength < headerBytes) fail('E_IDX_TRUNCATED', `expected a ${headerBytes}-byte header, got ${buf.byteLength} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expected = headerBytes + count;
  if (buf.byteLength < expected) fail('E_IDX_TRUNCATED', `expected ${expected} bytes for dimensions [${dims.join(', ')}], got ${buf.byteLength} (truncated)`);
  if (buf.byteLength > expected) fail('E_IDX_FORMAT', `expected ${expected} bytes for dimensions [${dims.join(', ')}], got ${buf.byteLength} (trailing data)`);
  return { dims, data: buf.subarray(headerBytes) };
}

/** Read and parse an IDX file from disk. */
export function readIdxFile(path: string): IdxArray {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (cause as Error).message;
    throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Cannot read IDX file ${path}: ${why}`, { cause });
  }
  return parseIdx(buf, path);
}

/** Encode bytes as an IDX buffer (for tests and for writing subsets). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.byteLength);
  out[2] = UBYTE;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
