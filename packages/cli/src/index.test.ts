import { describe, expect, it } from 'vitest';
import * as cli from './index.js';

describe('@softshare/cli exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(cli).sort()).toEqual(['main']);
  });
});
