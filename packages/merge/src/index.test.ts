import { describe, expect, it } from 'vitest';
import * as m from './index.js';

describe('@softshare/merge exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(m).sort()).toEqual(['klDivergence', 'merge', 'mergeComponents', 'mergeOptionsSchema']);
  });
});
