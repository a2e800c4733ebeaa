import { describe, expect, it } from 'vitest';
import * as s from './index.js';

describe('@softshare/sparsify exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(s).sort()).toEqual(['keepLowest', 'runSparsify', 'runVariationalDropout', 'shareValues', 'sparsify', 'sparsifyOptionsSchema', 'variationalChain']);
  });
});
