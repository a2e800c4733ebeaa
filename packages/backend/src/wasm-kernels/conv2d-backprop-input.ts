import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasm, disposeInfos, transposeWasm, type KernelFn } from './kernel-utils.js';

type Attrs = {
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/**
 * Conv2DBackpropInput via a forward convolution: with stride 1, dx is the "full"
 * convolution of dy with the spatially flipped filter whose in/out channels are swapped.
 * The stock wasm kernel is a naive loop; XNNPACK's conv is much faster. Strided cases
 * keep the stock kernel (correct, just slow).
 */
export function conv2dBackpropInput(stock: KernelFn): KernelFn {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const dy = inputs.dy as tf.TensorInfo;
    const filter = inputs.filter as tf.TensorInfo;
    const a = attrs as unknown as Attrs;
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as [number, number, number, number],
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    const FH = info.filterHeight;
    const FW = info.filterWidth;
    const top = FH - 1 - info.padInfo.top;
    const left = FW - 1 - info.padInfo.left;
    const bottom = info.inHeight + FH - 1 - info.outHeight - top;
    const right = info.inWidth + FW - 1 - info.outWidth - left;
    const fast =
      a.dataFormat !== 'NCHW' &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      Math.min(top, left, bottom, right) >= 0;
    if (!fast) return stock({ inputs, backend, attrs });
    const flipped = callWasm(wasm, 'Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = transposeWasm(wasm, flipped, [0, 1, 3, 2]);
    const dx = callWasm(wasm, 'Conv2D', { x: dy, filter: swapped }, {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    } as unknown as tf.NamedAttrMap);
    disposeInfos(wasm, flipped, swapped);
    return dx;
  };
}
