import { describe, expect, it } from 'vitest';
import * as t from './index.js';

describe('@softshare/tune exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(t).sort()).toEqual(['maskSearchOptionsSchema', 'runMaskSearch', 'runSharedTuning', 'tune', 'tuneOptionsSchema']);
  });
});
