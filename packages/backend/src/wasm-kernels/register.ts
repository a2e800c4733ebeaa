import { matMulWithExplicitTranspose } from './batch-mat-mul.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { conv3dBackpropFilter, conv3dBackpropInput } from './conv3d-backprop.js';
import { replaceWasmKernel, stockWasmKernel } from './kernel-utils.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { depthwiseBackpropFilter, depthwiseBackpropInput, unsortedSegmentSum } from './depthwise-backprop.js';

/** Names of the wasm kernels softshare replaces, in registration order. */
export const PATCHED_WASM_KERNELS = [
  'BatchMatMul',
  '_FusedMatMul',
  'MaxPoolGrad',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'UnsortedSegmentSum',
  'Conv3DBackpropInputV2',
  'Conv3DBackpropFilterV2',
] as const;

let registered = false;

/**
 * Register softshare's wasm training kernels (idempotent). Requires
 * `@tensorflow/tfjs-backend-wasm` to have been imported so the stock kernels exist.
 *
 * @example
 * await import('@tensorflow/tfjs-backend-wasm');
 * registerWasmTrainingKernels();
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  replaceWasmKernel('BatchMatMul', matMulWithExplicitTranspose(stockWasmKernel('BatchMatMul')));
  replaceWasmKernel('_FusedMatMul', matMulWithExplicitTranspose(stockWasmKernel('_FusedMatMul')));
  replaceWasmKernel('MaxPoolGrad', maxPoolGrad);
  replaceWasmKernel('Conv2DBackpropFilter', conv2dBackpropFilter);
  replaceWasmKernel('Conv2DBackpropInput', conv2dBackpropInput(stockWasmKernel('Conv2DBackpropInput')));
  // kernels the wasm backend lacks: DepthwiseConv2D's gradients, Embedding's (a gather's) gradient
  replaceWasmKernel('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput);
  replaceWasmKernel('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter);
  replaceWasmKernel('UnsortedSegmentSum', unsortedSegmentSum);
  // kernels the wasm backend has but gets wrong (tfjs 4.22): Conv3D's gradients
  replaceWasmKernel('Conv3DBackpropInputV2', conv3dBackpropInput);
  replaceWasmKernel('Conv3DBackpropFilterV2', conv3dBackpropFilter);
  registered = true;
}
