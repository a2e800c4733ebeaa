import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfos, transposeWasm, type KernelFn } from './kernel-utils.js';

/**
 * BatchMatMul (and _FusedMatMul) with transposeA/transposeB: the stock wasm kernel drops
 * to a scalar loop for transposed operands; transposing explicitly and calling the
 * untransposed XNNPACK path is faster. Every gradient of a dense layer hits this.
 */
export function matMulWithExplicitTranspose(stock: KernelFn): KernelFn {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    if (!transposeA && !transposeB) return stock({ inputs, backend, attrs });
    const swapLast = (x: tf.TensorInfo) => {
      const perm = x.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return transposeWasm(wasm, x, perm);
    };
    const made: tf.TensorInfo[] = [];
    const a = transposeA ? swapLast(inputs.a as tf.TensorInfo) : inputs.a;
    if (transposeA) made.push(a as tf.TensorInfo);
    const b = transposeB ? swapLast(inputs.b as tf.TensorInfo) : inputs.b;
    if (transposeB) made.push(b as tf.TensorInfo);
    try {
      return stock({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      disposeInfos(wasm, ...made);
    }
  };
}
