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
 * filter; XNNPACK's fast conv then does the work. Other strides use a direct loop.
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
  return directBackpropFilter(wasm, x, dy, info);
};

function directBackpropFilter(
  wasm: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { filterHeight: FH, filterWidth: FW, inChannels: CI, outChannels: CO } = info;
  // allocate first: makeOutput may grow the wasm memory, which detaches earlier heap views
  const out = wasm.makeOutput([FH, FW, CI, CO], 'float32');
  const xs = wasm.typedArrayFromHeap(x) as Float32Array;
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  const dw = wasm.typedArrayFromHeap(out) as Float32Array;
  dw.fill(0);
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * CO;
        for (let fy = 0; fy < FH; fy++) {
          const yy = oy * strideHeight + fy - top;
          if (yy < 0 || yy >= inHeight) continue;
          for (let fx = 0; fx < FW; fx++) {
            const xx = ox * strideWidth + fx - left;
            if (xx < 0 || xx >= inWidth) continue;
            const xBase = ((b * inHeight + yy) * inWidth + xx) * CI;
            const wBase = (fy * FW + fx) * CI * CO;
            for (let ci = 0; ci < CI; ci++) {
              const xv = xs[xBase + ci];
              if (xv === 0) continue;
              const row = wBase + ci * CO;
              for (let co = 0; co < CO; co++) dw[row + co] += xv * dys[dyBase + co];
            }
          }
        }
      }
    }
  }
  return out;
}
