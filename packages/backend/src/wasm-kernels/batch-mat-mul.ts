import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfos, transposeWasm, type KernelFn } from './kernel-utils.js';

/**
 * BatchMatMul (and _FusedMatMul) with transposeA/transposeB: the stock wasm kernel drops
 * to a scalar loop for transposed operands; transposing explicitly and calling the
 * untransposed XNNPACK path is faster. Every gradient of a dense layer hits this.
 */
export function matMulWithExplicitTranspose(stock: KernelFn): KernelFn {
  const transposed: KernelFn = ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const swapLast = (x: tf.TensorInfo) => {
      const perm = x.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return transposeWasm(wasm, x, perm);
    };
    const made: tf.TensorInfo[] = [];
    const a = attrs?.transposeA ? swapLast(inputs.a as tf.TensorInfo) : inputs.a;
    if (attrs?.transposeA) made.push(a as tf.TensorInfo);
    const b = attrs?.transposeB ? swapLast(inputs.b as tf.TensorInfo) : inputs.b;
    if (attrs?.transposeB) made.push(b as tf.TensorInfo);
    try {
      return stock({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      disposeInfos(wasm, ...made);
    }
  };
  // Untransposed calls (every inference) go to the stock kernel with tfjs's own arguments
  // object, untouched. The earlier single function, which rebuilt that object on this path,
  // made the process segfault after some dozens of models were built and run in a loop
  // (40 LeNet-300-100 loads and runs: a crash in 4 of 4 processes; this shape: none in 6; cause in V8 or
  // tfjs-wasm not found; docs/RESULTS.md).
  return (args) => (args.attrs?.transposeA || args.attrs?.transposeB ? transposed(args) : stock(args));
}
