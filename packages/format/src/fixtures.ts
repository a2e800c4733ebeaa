import type { QuantizedModel } from '@softshare/core';

/**
 * A small fixed quantised model (dense 6 -> 4 ReLU -> dense 4 -> 2), used by the golden
 * file test and the examples. Its topology is a tfjs layers topology literal so the
 * bytes do not depend on the tfjs version.
 */
export function tinyQuantizedModel(): QuantizedModel {
  const dense = (name: string, units: number, activation: string, inputDim?: number) => ({
    class_name: 'Dense',
    config: {
      units,
      activation,
      use_bias: true,
      kernel_initializer: { class_name: 'Zeros', config: {} },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      name,
      trainable: true,
      ...(inputDim ? { batch_input_shape: [null, inputDim], dtype: 'float32' } : {}),
    },
  });
  const topology = {
    class_name: 'Sequential',
    config: { name: 'tiny', layers: [dense('d1', 4, 'relu', 6), dense('d2', 2, 'linear')] },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  const codebook1 = Float32Array.from([0, -0.5, 0.25, 0.75]);
  const codes1 = Uint8Array.from([0, 1, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 3]);
  const codebook2 = Float32Array.from([0, -1, 1]);
  const codes2 = Uint8Array.from([1, 0, 0, 2, 0, 0, 2, 1]);
  const deq = (cb: Float32Array, c: Uint8Array) => Float32Array.from(c, (k) => cb[k]);
  return {
    kind: 'quantized',
    topology,
    diagnostics: [],
    mixture: { means: Float64Array.from([0, -0.5, 0.25, 0.75]), variances: Float64Array.from([1e-4, 1e-4, 1e-4, 1e-4]), proportions: Float64Array.from([0.7, 0.1, 0.1, 0.1]) },
    quantized: [
      { name: 'd1/kernel', shape: [6, 4], codebook: codebook1, codes: codes1 },
      { name: 'd2/kernel', shape: [4, 2], codebook: codebook2, codes: codes2 },
    ],
    params: [
      { name: 'd1/kernel', shape: [6, 4], role: 'kernel', values: deq(codebook1, codes1) },
      { name: 'd1/bias', shape: [4], role: 'bias', values: Float32Array.from([0.1, -0.2, 0.3, 0]) },
      { name: 'd2/kernel', shape: [4, 2], role: 'kernel', values: deq(codebook2, codes2) },
      { name: 'd2/bias', shape: [2], role: 'bias', values: Float32Array.from([0.05, -0.05]) },
    ],
  };
}
