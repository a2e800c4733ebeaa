import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelFn } from './kernel-utils.js';

/**
 * MaxPoolGrad that routes each output gradient to the FIRST maximum of its window,
 * searched from -Infinity. The stock wasm kernel starts its running max at the smallest
 * positive float, so windows whose values are all <= 0 send the gradient to the wrong
 * element (LeNet-5-Caffe pools before any ReLU).
 */
export const maxPoolGrad: KernelFn = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const dy = inputs.dy as tf.TensorInfo;
  const x = inputs.input as tf.TensorInfo;
  const a = attrs as { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  // allocate first: makeOutput may grow the wasm memory, which detaches earlier heap views
  const out = wasm.makeOutput(x.shape, 'float32');
  const xs = wasm.typedArrayFromHeap(x) as Float32Array;
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let b = 0; b < batchSize; b++) {
    const xBase = b * inHeight * inWidth * C;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let fy = 0; fy < filterHeight; fy++) {
            const yy = y0 + fy;
            if (yy < 0 || yy >= inHeight) continue;
            for (let fx = 0; fx < filterWidth; fx++) {
              const xx = x0 + fx;
              if (xx < 0 || xx >= inWidth) continue;
              const idx = xBase + (yy * inWidth + xx) * C + c;
              const v = xs[idx];
              if (v > best || at < 0) {
                best = v;
                at = idx;
              }
            }
          }
          if (at >= 0) dx[at] += dys[dyBase + c];
        }
      }
    }
  }
  return out;
};
