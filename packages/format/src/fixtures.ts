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

const FUNCTIONAL_TOPOLOGY = {"class_name":"Model","config":{"name":"tinyf","layers":[{"name":"x","class_name":"InputLayer","config":{"batch_input_shape":[null,4,4,2],"dtype":"float32","sparse":false,"name":"x"},"inbound_nodes":[]},{"name":"c1","class_name":"Conv2D","config":{"filters":3,"kernel_size":[2,2],"strides":[1,1],"padding":"same","data_format":"channels_last","dilation_rate":[1,1],"activation":"relu","use_bias":true,"name":"c1","trainable":true},"inbound_nodes":[[["x",0,0,{}]]]},{"name":"bn","class_name":"BatchNormalization","config":{"axis":-1,"momentum":0.99,"epsilon":0.001,"center":true,"scale":true,"name":"bn","trainable":true},"inbound_nodes":[[["c1",0,0,{}]]]},{"name":"dw","class_name":"DepthwiseConv2D","config":{"kernel_size":[2,2],"strides":[1,1],"padding":"same","data_format":"channels_last","dilation_rate":[1,1],"activation":"linear","use_bias":true,"name":"dw","trainable":true,"depth_multiplier":1},"inbound_nodes":[[["bn",0,0,{}]]]},{"name":"add","class_name":"Add","config":{"name":"add","trainable":true},"inbound_nodes":[[["bn",0,0,{}],["dw",0,0,{}]]]},{"name":"cat","class_name":"Concatenate","config":{"axis":-1,"name":"cat","trainable":true},"inbound_nodes":[[["add",0,0,{}],["x",0,0,{}]]]},{"name":"fl","class_name":"Flatten","config":{"name":"fl","trainable":true},"inbound_nodes":[[["cat",0,0,{}]]]},{"name":"d","class_name":"Dense","config":{"units":3,"activation":"softmax","use_bias":true,"name":"d","trainable":true},"inbound_nodes":[[["fl",0,0,{}]]]}],"input_layers":[["x",0,0]],"output_layers":[["d",0,0]]},"keras_version":"tfjs-layers 4.22.0","backend":"tensor_flow.js"};

const RECURRENT_TOPOLOGY = {"class_name":"Sequential","config":{"name":"tinyr","layers":[{"class_name":"Embedding","config":{"input_dim":5,"output_dim":3,"input_length":4,"name":"e","trainable":true,"batch_input_shape":[null,4]}},{"class_name":"LSTM","config":{"name":"l","trainable":true,"units":2,"activation":"tanh","recurrent_activation":"hard_sigmoid","use_bias":true,"dropout":0,"recurrent_dropout":0,"return_sequences":false,"return_state":false,"go_backwards":false,"stateful":false,"unroll":false}},{"class_name":"Dense","config":{"units":2,"activation":"linear","use_bias":true,"name":"o","trainable":true}}]},"keras_version":"tfjs-layers 4.22.0","backend":"tensor_flow.js"};

/** Deterministic values in [-1, 1) for a fixture tensor. */
function fixtureValues(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 23) - 11.5) / 11.5);
}

/** A quantised model from a topology literal and its weights in tfjs order; `sharedNames` get a 4-value codebook. */
function fixtureModel(topology: unknown, weights: readonly [string, number[]][], sharedNames: readonly string[]): QuantizedModel {
  const codebook = Float32Array.from([0, -0.5, 0.25, 0.75]);
  const quantized = sharedNames.map((name) => {
    const shape = (weights.find(([n]) => n === name) as [string, number[]])[1];
    const n = shape.reduce((a, b) => a * b, 1);
    return { name, shape, codebook, codes: Uint8Array.from({ length: n }, (_, i) => ((i * 7) % 5 === 0 ? 1 + (i % 3) : 0)) };
  });
  const params = weights.map(([name, shape], k) => {
    const q = quantized.find((x) => x.name === name);
    const n = shape.reduce((a, b) => a * b, 1);
    // BatchNorm variances must stay positive for a sensible model
    const values = q ? Float32Array.from(q.codes, (c) => codebook[c]) : name.endsWith('moving_variance') ? new Float32Array(n).fill(1) : fixtureValues(n, k);
    return { name, shape, role: q ? ('kernel' as const) : ('other' as const), values };
  });
  return {
    kind: 'quantized',
    topology,
    diagnostics: [],
    mixture: { means: Float64Array.from([0, -0.5, 0.25, 0.75]), variances: Float64Array.from([1e-4, 1e-4, 1e-4, 1e-4]), proportions: Float64Array.from([0.7, 0.1, 0.1, 0.1]) },
    quantized,
    params,
  };
}

/**
 * A small functional model (input [4, 4, 2] -> Conv2D -> BatchNorm -> DepthwiseConv2D, a
 * residual Add, a Concatenate with the input, Flatten, Dense softmax): the semantic fuzz's
 * graph to break.
 */
export function tinyFunctionalModel(): QuantizedModel {
  return fixtureModel(
    FUNCTIONAL_TOPOLOGY,
    [
      ['c1/kernel', [2, 2, 2, 3]],
      ['c1/bias', [3]],
      ['bn/gamma', [3]],
      ['bn/beta', [3]],
      ['dw/depthwise_kernel', [2, 2, 3, 1]],
      ['dw/bias', [3]],
      ['d/kernel', [80, 3]],
      ['d/bias', [3]],
      ['bn/moving_mean', [3]],
      ['bn/moving_variance', [3]],
    ],
    ['c1/kernel', 'd/kernel'],
  );
}

/** A small text model (Embedding 5 x 3 over 4 tokens -> LSTM 2 -> Dense 2). */
export function tinyRecurrentModel(): QuantizedModel {
  return fixtureModel(
    RECURRENT_TOPOLOGY,
    [
      ['e/embeddings', [5, 3]],
      ['l/kernel', [3, 8]],
      ['l/recurrent_kernel', [2, 8]],
      ['l/bias', [8]],
      ['o/kernel', [2, 2]],
      ['o/bias', [2]],
    ],
    ['e/embeddings', 'l/kernel', 'o/kernel'],
  );
}

/** A tfjs graph model's GraphDef node list, as tfjs-converter writes it. */
function graphNode(name: string, op: string, input: string[], attr: Record<string, unknown>) {
  return { name, op, ...(input.length ? { input } : {}), attr };
}

const DT_FLOAT = { type: 'DT_FLOAT' };
const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const constNode = (name: string, shape: number[], dtype = 'DT_FLOAT') => graphNode(name, 'Const', [], { value: { tensor: { dtype, tensorShape: dims(shape) } }, dtype: { type: dtype } });

/**
 * A small graph model as tfjs-converter would write it (input [-1, 2, 3] -> Reshape by an
 * int32 constant to [-1, 6] -> MatMul 6x8 -> BiasAdd -> Relu -> MatMul 8x3 -> BiasAdd ->
 * Softmax), with deterministic weights: a quantised model whose `graph` holds the int32
 * shape constant.
 */
export function tinyGraphModel(): QuantizedModel {
  const topology = {
    node: [
      graphNode('x', 'Placeholder', [], { shape: { shape: dims([-1, 2, 3]) }, dtype: DT_FLOAT }),
      constNode('flat/shape', [2], 'DT_INT32'),
      graphNode('flat', 'Reshape', ['x', 'flat/shape'], { T: DT_FLOAT, Tshape: { type: 'DT_INT32' } }),
      constNode('d1/w', [6, 8]),
      constNode('d1/b', [8]),
      graphNode('d1/MatMul', 'MatMul', ['flat', 'd1/w'], { T: DT_FLOAT, transpose_a: { b: false }, transpose_b: { b: false } }),
      graphNode('d1/BiasAdd', 'BiasAdd', ['d1/MatMul', 'd1/b'], { T: DT_FLOAT, data_format: { s: 'TkhXQw==' } }),
      graphNode('d1/Relu', 'Relu', ['d1/BiasAdd'], { T: DT_FLOAT }),
      constNode('d2/w', [8, 3]),
      constNode('d2/b', [3]),
      graphNode('d2/MatMul', 'MatMul', ['d1/Relu', 'd2/w'], { T: DT_FLOAT, transpose_a: { b: false }, transpose_b: { b: false } }),
      graphNode('d2/BiasAdd', 'BiasAdd', ['d2/MatMul', 'd2/b'], { T: DT_FLOAT, data_format: { s: 'TkhXQw==' } }),
      graphNode('probs', 'Softmax', ['d2/BiasAdd'], { T: DT_FLOAT }),
      graphNode('Identity', 'Identity', ['probs'], { T: DT_FLOAT }),
    ],
    library: {},
    versions: { producer: 1286 },
  };
  const wave = (n: number, phase: number) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 1.7 + phase) * 0.8));
  const codebook = Float32Array.of(0, -0.5, 0.25, 0.75);
  const codes = Uint8Array.from({ length: 48 }, (_, i) => (i * 7) % 4);
  const w1 = Float32Array.from(codes, (c) => codebook[c]);
  return {
    kind: 'quantized',
    topology,
    diagnostics: [],
    params: [
      { name: 'd1/w', shape: [6, 8], role: 'kernel', values: w1 },
      { name: 'd1/b', shape: [8], role: 'other', values: wave(8, 0.3) },
      { name: 'd2/w', shape: [8, 3], role: 'kernel', values: wave(24, 1.1) },
      { name: 'd2/b', shape: [3], role: 'other', values: wave(3, 2) },
    ],
    quantized: [{ name: 'd1/w', shape: [6, 8], codebook, codes }],
    graph: { constants: [{ name: 'flat/shape', shape: [2], dtype: 'int32', values: Int32Array.of(-1, 6) }], signature: { inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT' } }, outputs: { probs: { name: 'Identity:0', dtype: 'DT_FLOAT' } } } },
  };
}
