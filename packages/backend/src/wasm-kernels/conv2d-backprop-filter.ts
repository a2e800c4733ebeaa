import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasm, disposeInfos, transposeWasm, type KernelFn } from './kernel-utils.js';

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
};

/**
 * Conv2DBackpropFilter, which tfjs-backend-wasm 4.22 does not register at all.
 *
 * dW[fy,fx,ci,co] = sum over n,oy,ox of x[n, oy*s+fy-top, ox*s+fx-left, ci] * dy[n,oy,ox,co].
 * With stride 1 this is itself a forward convolution: treat input channels as the batch
 * and the batch as channels (x^T: [Cin,H,W,N]), and use dy^T ([OH,OW,N,Cout]) as the
 * filter; XNNPACK's fast conv then does the work. Other strides: im2col and one matrix product.
 */
export const conv2dBackpropFilter: KernelFn = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const a = attrs as unknown as ConvAttrs;
  if (a.dataFormat === 'NCHW') throw new Error('Expected dataFormat NHWC for Conv2DBackpropFilter on wasm, got NCHW');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const { top, left } = info.padInfo;
  const bottom = info.filterHeight - info.inHeight - top + (info.outHeight - 1) * info.strideHeight;
  const right = info.filterWidth - info.inWidth - left + (info.outWidth - 1) * info.strideWidth;
  if (info.strideHeight === 1 && info.strideWidth === 1 && bottom >= 0 && right >= 0) {
    const xT = transposeWasm(wasm, x, [3, 1, 2, 0]);
    const dyT = transposeWasm(wasm, dy, [1, 2, 0, 3]);
    const pad = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    const conv = callWasm(wasm, 'Conv2D', { x: xT, filter: dyT }, {
      strides: [1, 1],
      pad,
      dataFormat: 'NHWC',
      dilations: [1, 1],
    } as unknown as tf.NamedAttrMap);
    const dw = transposeWasm(wasm, conv, [1, 2, 0, 3]);
    disposeInfos(wasm, xT, dyT, conv);
    return dw;
  }
  return im2colBackpropFilter(wasm, x, dy, info);
};

/**
 * Any stride: gather the input patches once (im2col: one row of FH x FW x Cin values per
 * output position, zeros outside the image), then dW = dy^T x patches as one XNNPACK
 * matrix product ([Cout, P] x [P, FH x FW x Cin]) and a transpose of that small result.
 * Measured against the direct loop in docs/RESULTS.md (tools/bench-train.mjs, resnet row).
 */
function im2colBackpropFilter(wasm: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { filterHeight: FH, filterWidth: FW, inChannels: CI, outChannels: CO, batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const P = batchSize * outHeight * outWidth;
  const K = FH * FW * CI;
  // allocate first: makeOutput may grow the wasm memory, which detaches earlier heap views
  const patches = wasm.makeOutput([1, P, K], 'float32');
  const cols = wasm.typedArrayFromHeap(patches) as Float32Array;
  const xs = wasm.typedArrayFromHeap(x) as Float32Array;
  cols.fill(0);
  let row = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, row += K) {
        for (let fy = 0; fy < FH; fy++) {
          const yy = oy * strideHeight + fy - top;
          if (yy < 0 || yy >= inHeight) continue;
          for (let fx = 0; fx < FW; fx++) {
            const xx = ox * strideWidth + fx - left;
            if (xx < 0 || xx >= inWidth) continue;
            const from = ((b * inHeight + yy) * inWidth + xx) * CI;
            cols.set(xs.subarray(from, from + CI), row + (fy * FW + fx) * CI);
          }
        }
      }
    }
  }
  const dy3 = callWasm(wasm, 'Reshape', { x: dy }, { shape: [1, P, CO] });
  const product = callWasm(wasm, 'BatchMatMul', { a: dy3, b: patches }, { transposeA: true, transposeB: false }); // [1, CO, K]
  const dwT = transposeWasm(wasm, product, [0, 2, 1]); // [1, K, CO]
  const dw = callWasm(wasm, 'Reshape', { x: dwT }, { shape: [FH, FW, CI, CO] });
  disposeInfos(wasm, patches, dy3, product, dwT);
  return dw;
}

