import { describe, expect, it } from 'vitest';
import * as p from './index.js';

describe('@softshare/prune exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(p).sort()).toEqual(['prune', 'pruneOptionsSchema', 'pruneUnreachable', 'withoutUnreachable']);
  });
});
