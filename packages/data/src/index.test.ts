import { describe, expect, it } from 'vitest';
import * as data from './index.js';

describe('@softshare/data exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(data).sort()).toEqual([
      'MNIST_FILES',
      'encodeIdx',
      'epochOrder',
      'loadMnist',
      'makeBatch',
      'mnistPackageDir',
      'parseIdx',
      'readIdxFile',
      'sequentialBatches',
      'shiftBatch',
      'takeFirst',
    ]);
  });
});
