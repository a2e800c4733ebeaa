import { describe, expect, it } from 'vitest';
import { isSoftshareError } from '@softshare/core';
import { encodeIdx, parseIdx } from './index.js';

function errorOf(f: () => unknown): { code?: string; message: string } {
  try {
    f();
  } catch (e) {
    return { code: isSoftshareError(e) ? e.code : undefined, message: (e as Error).message };
  }
  throw new Error('Expected an error, got none');
}

describe('parseIdx', () => {
  it('round-trips encodeIdx', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const parsed = parseIdx(encodeIdx([2, 3], data));
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  const good = encodeIdx([2, 2, 2], new Uint8Array(8).fill(7));
  it.each([
    ['empty', new Uint8Array(0), 'E_IDX_TRUNCATED', /at least a 4-byte/],
    ['gzip magic', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]), 'E_IDX_FORMAT', /magic 0x0000, got 0x1f8b/],
    ['float element type', (() => { const b = good.slice(); b[2] = 0x0d; return b; })(), 'E_IDX_FORMAT', /ubyte \(0x08\), got float/],
    ['zero dimensions', (() => { const b = good.slice(); b[3] = 0; return b; })(), 'E_IDX_FORMAT', /1 to 4 dimensions, got 0/],
    ['truncated header', good.subarray(0, 9), 'E_IDX_TRUNCATED', /16-byte header/],
    ['truncated data', good.subarray(0, good.length - 1), 'E_IDX_TRUNCATED', /expected 24 bytes .* got 23 \(truncated\)/],
    ['trailing data', new Uint8Array([...good, 0]), 'E_IDX_FORMAT', /got 25 \(trailing data\)/],
  ])('rejects %s', (_name, buf, code, message) => {
    const e = errorOf(() => parseIdx(buf, 'f'));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.message.includes('\n')).toBe(false);
  });
});
