import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelFn } from './kernel-utils.js';

type Shape5 = [number, number, number, number, number];
type Attrs = { strides: number | [number, number, number]; pad: 'valid' | 'same'; inputShape: Shape5; filterShape: Shape5 };

/**
 * Visit every (batch, output position, filter tap) whose input position is inside the
 * volume: f(input offset of channel 0, dy offset of channel 0, filter offset of [ci 0, co 0]).
 */
function eachTap(g: tf.backend_util.Conv3DInfo, f: (xAt: number, dyAt: number, wAt: number) => void): void {
  const { batchSize, inDepth: D, inHeight: H, inWidth: W, inChannels: Ci, outDepth, outHeight, outWidth, outChannels: Co, filterDepth, filterHeight, filterWidth } = g;
  const { strideDepth, strideHeight, strideWidth, dilationDepth, dilationHeight, dilationWidth } = g;
  const { front, top, left } = g.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let oz = 0; oz < outDepth; oz++) {
      for (let oy = 0; oy < outHeight; oy++) {
        for (let ox = 0; ox < outWidth; ox++) {
          const dyAt = (((b * outDepth + oz) * outHeight + oy) * outWidth + ox) * Co;
          for (let fz = 0; fz < filterDepth; fz++) {
            const z = oz * strideDepth - front + fz * dilationDepth;
            if (z < 0 || z >= D) continue;
            for (let fy = 0; fy < filterHeight; fy++) {
              const y = oy * strideHeight - top + fy * dilationHeight;
              if (y < 0 || y >= H) continue;
              for (let fx = 0; fx < filterWidth; fx++) {
                const x = ox * strideWidth - left + fx * dilationWidth;
                if (x < 0 || x >= W) continue;
                f((((b * D + z) * H + y) * W + x) * Ci, dyAt, ((fz * filterHeight + fy) * filterWidth + fx) * Ci * Co);
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Conv3DBackpropInputV2 and Conv3DBackpropFilterV2 (Conv3D's gradients, NDHWC, filter
 * [FD, FH, FW, Ci, Co]): tfjs 4.22's wasm kernels return wrong values (the input gradient
 * always, the filter gradient with strides and 'same' padding; checked against the cpu
 * backend in this package's tests), so these compute them in plain JS over the wasm heap.
 */
export const conv3dBackpropInput: KernelFn = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const a = attrs as unknown as Attrs;
  const g = tf.backend_util.computeConv3DInfo(a.inputShape, filter.shape as Shape5, a.strides, 1, a.pad);
  // allocate first: makeOutput may grow the wasm memory, which detaches earlier heap views
  const out = wasm.makeOutput(a.inputShape, 'float32');
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  const w = wasm.typedArrayFromHeap(filter) as Float32Array;
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const { inChannels: Ci, outChannels: Co } = g;
  eachTap(g, (xAt, dyAt, wAt) => {
    for (let ci = 0; ci < Ci; ci++) {
      let s = 0;
      const wc = wAt + ci * Co;
      for (let co = 0; co < Co; co++) s += dys[dyAt + co] * w[wc + co];
      dx[xAt + ci] += s;
    }
  });
  return out;
};

export const conv3dBackpropFilter: KernelFn = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const a = attrs as unknown as Attrs;
  const g = tf.backend_util.computeConv3DInfo(x.shape as Shape5, a.filterShape, a.strides, 1, a.pad);
  const out = wasm.makeOutput(a.filterShape, 'float32');
  const xs = wasm.typedArrayFromHeap(x) as Float32Array;
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  const dw = wasm.typedArrayFromHeap(out) as Float32Array;
  dw.fill(0);
  const { inChannels: Ci, outChannels: Co } = g;
  eachTap(g, (xAt, dyAt, wAt) => {
    for (let ci = 0; ci < Ci; ci++) {
      const v = xs[xAt + ci];
      if (v === 0) continue;
      const wc = wAt + ci * Co;
      for (let co = 0; co < Co; co++) dw[wc + co] += v * dys[dyAt + co];
    }
  });
  return out;
};
