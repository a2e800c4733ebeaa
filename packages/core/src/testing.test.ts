import { describe, expect, it } from 'vitest';
import { closeOrMessage, isSoftshareError, leakedTensors, SoftshareError } from './index.js';

describe('closeOrMessage', () => {
  it.each([
    [[1, 2], [1, 2], null],
    [[1, 2.1], [1, 2], /element 1/],
    [[1], [1, 2], /length 2, got 1/],
    [[NaN], [0], /element 0/],
  ])('%j vs %j', (a, e, want) => {
    const got = closeOrMessage(a, e);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });
});

describe('leakedTensors', () => {
  it('counts what fn left behind', async () => {
    let n = 0;
    const fake = { memory: () => ({ numTensors: n }) };
    expect(await leakedTensors(fake, () => (n += 2))).toBe(2);
  });
});

describe('SoftshareError', () => {
  it('carries code, stage and cause', () => {
    const cause = new Error('inner');
    const e = new SoftshareError('E_IO', 'cli', 'cannot write', { cause });
    expect(isSoftshareError(e, 'E_IO')).toBe(true);
    expect(isSoftshareError(e, 'E_OPTIONS')).toBe(false);
    expect(e.cause).toBe(cause);
    expect(e.stage).toBe('cli');
  });
});
