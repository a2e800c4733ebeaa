export { ensureWritableDir, fileIO, loadModelArtifacts, saveModelArtifacts, writeFileAtomic } from './file-io.js';
export {
  BACKEND_NAMES,
  selectBackend,
  type BackendChoice,
  type BackendName,
  type SelectBackendOptions,
} from './select-backend.js';
export { PATCHED_WASM_KERNELS, registerWasmTrainingKernels } from './wasm-kernels/register.js';
