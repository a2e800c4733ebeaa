import { describe, expect, it } from 'vitest';
import * as backend from './index.js';

describe('@softshare/backend exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(backend).sort()).toEqual([
      'BACKEND_NAMES',
      'PATCHED_WASM_KERNELS',
      'ensureWritableDir',
      'fileIO',
      'loadModelArtifacts',
      'registerWasmTrainingKernels',
      'saveModelArtifacts',
      'selectBackend',
      'writeFileAtomic',
    ]);
  });
});
