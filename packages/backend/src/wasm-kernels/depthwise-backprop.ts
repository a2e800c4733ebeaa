import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelFn } from './kernel-utils.js';

type Attrs = {
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The depthwise convolution's geometry (NHWC input, filter [FH, FW, C, M]). */
function geometry(inShape: readonly number[], filterShape: readonly number[], a: Attrs) {
  const info = tf.backend_util.computeConv2DInfo(inShape as [number, number, number, number], filterShape as [number, number, number, number], a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
  return { ...info, mult: filterShape[3] };
}

/**
 * Visit every (batch, output row, filter row) whose input row is inside the image, then
 * every (output column, filter column) whose input column is: one `row` call per valid
 * (b, oy, fy) with the offsets of channel 0, so the per-tap work is a plain loop the
 * kernels inline (no call per tap; measured in tools/bench-train.mjs, mobile row).
 */
function eachRow(g: ReturnType<typeof geometry>, row: (xRow: number, dyRow: number, wRow: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, dilationHeight, filterHeight, filterWidth, mult } = g;
  const top = g.padInfo.top;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const dyRow = (b * outHeight + oy) * outWidth * C * mult;
      for (let fy = 0; fy < filterHeight; fy++) {
        const y = oy * strideHeight - top + fy * dilationHeight;
        if (y < 0 || y >= inHeight) continue;
        row((b * inHeight + y) * inWidth * C, dyRow, fy * filterWidth * C * mult);
      }
    }
  }
}

/**
 * Every (output column, filter column) pair whose input column is inside the image, as flat
 * triples of offsets from the row offsets `eachRow` gives: [dy, filter, input, ...].
 */
function columnTable(g: ReturnType<typeof geometry>): Int32Array {
  const C = g.inChannels;
  const CM = C * g.mult;
  const t: number[] = [];
  for (let ox = 0; ox < g.outWidth; ox++) {
    for (let fx = 0; fx < g.filterWidth; fx++) {
      const x = ox * g.strideWidth - g.padInfo.left + fx * g.dilationWidth;
      if (x >= 0 && x < g.inWidth) t.push(ox * CM, fx * CM, x * C);
    }
  }
  return Int32Array.from(t);
}

/** DepthwiseConv2dNativeBackpropInput (the input gradient of DepthwiseConv2D), which tfjs's wasm backend does not have. */
export const depthwiseBackpropInput: KernelFn = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const a = attrs as unknown as Attrs & { inputShape: number[] };
  const g = geometry(a.inputShape, filter.shape, a);
  // allocate first: makeOutput may grow the wasm memory, which detaches earlier heap views
  const out = wasm.makeOutput(a.inputShape, 'float32');
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  const w = wasm.typedArrayFromHeap(filter) as Float32Array;
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const C = g.inChannels;
  const M = g.mult;
  const cols = columnTable(g);
  eachRow(g, (xRow, dyRow, wRow) => {
    for (let k = 0; k < cols.length; k += 3) {
      const dyAt = dyRow + cols[k];
      const wAt = wRow + cols[k + 1];
      const xAt = xRow + cols[k + 2];
      if (M === 1) {
        for (let c = 0; c < C; c++) dx[xAt + c] += dys[dyAt + c] * w[wAt + c];
      } else {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let m = 0; m < M; m++) s += dys[dyAt + c * M + m] * w[wAt + c * M + m];
          dx[xAt + c] += s;
        }
      }
    }
  });
  return out;
};

/** DepthwiseConv2dNativeBackpropFilter (the filter gradient of DepthwiseConv2D), which tfjs's wasm backend does not have. */
export const depthwiseBackpropFilter: KernelFn = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const a = attrs as unknown as Attrs & { filterShape: number[] };
  const g = geometry(x.shape, a.filterShape, a);
  const out = wasm.makeOutput(a.filterShape, 'float32');
  const xs = wasm.typedArrayFromHeap(x) as Float32Array;
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  const dwOut = wasm.typedArrayFromHeap(out) as Float32Array;
  // summed in float64 (a million products per tap for a large batch), stored once
  const dw = new Float64Array(dwOut.length);
  const C = g.inChannels;
  const M = g.mult;
  const cols = columnTable(g);
  eachRow(g, (xRow, dyRow, wRow) => {
    for (let k = 0; k < cols.length; k += 3) {
      const dyAt = dyRow + cols[k];
      const wAt = wRow + cols[k + 1];
      const xAt = xRow + cols[k + 2];
      if (M === 1) {
        for (let c = 0; c < C; c++) dw[wAt + c] += xs[xAt + c] * dys[dyAt + c];
      } else {
        for (let c = 0; c < C; c++) {
          const v = xs[xAt + c];
          for (let m = 0; m < M; m++) dw[wAt + c * M + m] += v * dys[dyAt + c * M + m];
        }
      }
    }
  });
  dwOut.set(dw);
  return out;
};

/** UnsortedSegmentSum (the gradient of a gather, as in Embedding), which tfjs's wasm backend does not have. */
export const unsortedSegmentSum: KernelFn = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const x = inputs.x as tf.TensorInfo;
  const ids = inputs.segmentIds as tf.TensorInfo;
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const rows = ids.shape.reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(ids.shape.length).reduce((p, d) => p * d, 1);
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(ids.shape.length)], x.dtype);
  const xs = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const seg = wasm.typedArrayFromHeap(ids) as Int32Array;
  const o = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
  o.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = seg[r];
    if (s < 0 || s >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
    const src = r * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) o[dst + k] += xs[src + k];
  }
  return out;
};
