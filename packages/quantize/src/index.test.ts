import { describe, expect, it } from 'vitest';
import * as q from './index.js';

describe('@softshare/quantize exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(q).sort()).toEqual(['quantize', 'quantizeOptionsSchema', 'quantizeTensor', 'quantizeValues']);
  });
});
