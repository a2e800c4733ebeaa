import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A kernel function as tfjs calls it. */
export type KernelFn = (args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}) => tf.TensorInfo | tf.TensorInfo[];

/** The stock wasm kernel registered under `name`, kept so a patched kernel can call it. */
export function stockWasmKernel(name: string): KernelFn {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`Expected a stock wasm kernel named ${name}, got none`);
  return config.kernelFunc as KernelFn;
}

/** Call a wasm kernel by name on wasm tensor infos; result lives in the wasm heap. */
export function callWasm(
  backend: BackendWasm,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const fn = tf.getKernel(name, 'wasm')?.kernelFunc as KernelFn | undefined;
  if (fn === undefined) throw new Error(`Expected a wasm kernel named ${name}, got none`);
  return fn({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** Transpose a wasm tensor info; caller disposes the result. */
export function transposeWasm(backend: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return callWasm(backend, 'Transpose', { x }, { perm });
}

/** Free intermediate results made inside a kernel. */
export function disposeInfos(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Replace the wasm kernel `name` with `kernelFunc`. */
export function replaceWasmKernel(name: string, kernelFunc: KernelFn): void {
  const stock = tf.getKernel(name, 'wasm');
  if (stock !== undefined) tf.unregisterKernel(name, 'wasm');
  // Keep the stock setupFunc: it binds the wasm entry point that the stock kernelFunc
  // (still called as a fallback) needs.
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: kernelFunc as tf.KernelFunc,
    ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
  });
}
