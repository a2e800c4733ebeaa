import * as tf from '@tensorflow/tfjs';
import { isSoftshareError } from '@softshare/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLayersTopology, checkTopologyWeights, KNOWN_LAYER_CLASSES } from './check-topology.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = tf.layers;

/** Models built by tfjs itself, one or more per layer class the checker knows. */
const MODELS: Record<string, () => tf.LayersModel> = {
  'sequential dense': () => tf.sequential({ layers: [L.dense({ units: 4, inputShape: [6], name: 'a' }), L.dense({ units: 2, useBias: false, name: 'b' })] }),
  'dense with inputDim': () => tf.sequential({ layers: [L.dense({ units: 3, inputDim: 5, name: 'a' }), L.activation({ activation: 'softmax' })] }),
  'dense on rank 3': () => tf.sequential({ layers: [L.dense({ units: 3, inputShape: [4, 5] }), L.flatten(), L.dense({ units: 2 })] }),
  'conv2d, pooling, dropout, flatten': () =>
    tf.sequential({
      layers: [
        L.conv2d({ filters: 3, kernelSize: 3, inputShape: [9, 9, 2], strides: 2, padding: 'same' }),
        L.maxPooling2d({ poolSize: 2 }),
        L.averagePooling2d({ poolSize: 1, strides: 1, padding: 'same' }),
        L.dropout({ rate: 0.5 }),
        L.flatten(),
        L.dense({ units: 2 }),
      ],
    }),
  'dilated valid conv': () => tf.sequential({ layers: [L.conv2d({ filters: 2, kernelSize: [3, 2], dilationRate: 2, inputShape: [11, 10, 1] }), L.globalAveragePooling2d({})] }),
  'channels first conv and pooling': () =>
    tf.sequential({ layers: [L.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', inputShape: [3, 8, 8] }), L.maxPooling2d({ poolSize: 2, dataFormat: 'channelsFirst' }), L.flatten()] }),
  conv1d: () => tf.sequential({ layers: [L.conv1d({ filters: 3, kernelSize: 3, inputShape: [10, 2] }), L.maxPooling1d({ poolSize: 2 }), L.averagePooling1d({ poolSize: 2 }), L.globalMaxPooling1d({})] }),
  'conv1d global average': () => tf.sequential({ layers: [L.conv1d({ filters: 3, kernelSize: 2, strides: 2, padding: 'same', inputShape: [9, 2] }), L.globalAveragePooling1d({})] }),
  conv3d: () => tf.sequential({ layers: [L.conv3d({ filters: 2, kernelSize: 2, inputShape: [4, 5, 6, 1] }), L.maxPooling3d({ poolSize: 2 }), L.averagePooling3d({ poolSize: 1 })] }),
  conv2dTranspose: () => tf.sequential({ layers: [L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, inputShape: [4, 5, 3] }), L.conv2dTranspose({ filters: 1, kernelSize: 2, padding: 'same', strides: 3 })] }),
  conv3dTranspose: () => tf.sequential({ layers: [L.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2, inputShape: [2, 3, 2, 1] })] }),
  'mobile block': () =>
    tf.sequential({
      layers: [
        L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [8, 8, 3] }),
        L.batchNormalization({}),
        L.reLU({ maxValue: 6 }),
        L.separableConv2d({ filters: 4, kernelSize: 3 }),
        L.zeroPadding2d({ padding: [[1, 2], [0, 1]] }),
        L.cropping2D({ cropping: [1, 1] }),
        L.upSampling2d({ size: [2, 3] }),
        L.globalMaxPooling2d({}),
      ],
    }),
  'batchnorm options': () => tf.sequential({ layers: [L.dense({ units: 4, inputShape: [3] }), L.batchNormalization({ center: false }), L.batchNormalization({ scale: false, trainable: false }), L.dense({ units: 2, trainable: false })] }),
  'text: embedding, lstm, gru': () =>
    tf.sequential({ layers: [L.embedding({ inputDim: 20, outputDim: 4, inputLength: 6 }), L.lstm({ units: 3, returnSequences: true }), L.gru({ units: 2 }), L.dense({ units: 2 })] }),
  'embedding without length': () => tf.sequential({ layers: [L.embedding({ inputDim: 20, outputDim: 4 }), L.globalAveragePooling1d({})] }),
  'simpleRNN, prelu, layer norm': () =>
    tf.sequential({ layers: [L.simpleRNN({ units: 3, inputShape: [4, 2], useBias: false }), L.prelu({}), L.layerNormalization({}), L.repeatVector({ n: 3 }), L.permute({ dims: [2, 1] }), L.reshape({ targetShape: [-1] })] }),
  'prelu shared axes': () => tf.sequential({ layers: [L.conv2d({ filters: 2, kernelSize: 1, inputShape: [3, 3, 1] }), L.prelu({ sharedAxes: [1, 2] }), L.layerNormalization({ axis: [1, 2, 3], center: false })] }),
  'activations and noise': () =>
    tf.sequential({
      layers: [
        L.dense({ units: 4, inputShape: [3] }),
        L.leakyReLU({}),
        L.elu({}),
        L.thresholdedReLU({}),
        L.softmax({}),
        L.gaussianNoise({ stddev: 0.1 }),
        L.gaussianDropout({ rate: 0.1 }),
        L.alphaDropout({ rate: 0.1 }),
        L.reshape({ targetShape: [2, 2] }),
        L.spatialDropout1d({ rate: 0.1 }),
        L.masking({}),
      ],
    }),
  'time distributed and bidirectional': () =>
    tf.sequential({
      layers: [
        L.timeDistributed({ layer: L.dense({ units: 3 }), inputShape: [5, 4] }),
        L.bidirectional({ layer: L.lstm({ units: 2, returnSequences: true }) as tf.RNN }),
        L.bidirectional({ layer: L.gru({ units: 2 }) as tf.RNN, mergeMode: 'sum' }),
      ],
    }),
  'functional residual and concatenate': () => {
    const x = tf.input({ shape: [8, 8, 3], name: 'img' });
    const c = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c1' }).apply(x) as tf.SymbolicTensor;
    const bn = L.batchNormalization({ name: 'bn' }).apply(c) as tf.SymbolicTensor;
    const d = L.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(bn) as tf.SymbolicTensor;
    const sum = L.add({ name: 'add' }).apply([bn, d]) as tf.SymbolicTensor;
    const cat = L.concatenate({ name: 'cat' }).apply([sum, x]) as tf.SymbolicTensor;
    const mul = L.multiply({}).apply([cat, cat]) as tf.SymbolicTensor;
    const avg = L.average({}).apply([mul, cat]) as tf.SymbolicTensor;
    const mx = L.maximum({}).apply([avg, L.minimum({}).apply([avg, mul]) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    const out = L.dense({ units: 3, name: 'out' }).apply(L.flatten({}).apply(mx)) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: out });
  },
  'functional: two inputs, two outputs, shared layer, nested sequential': () => {
    const a = tf.input({ shape: [5], name: 'a' });
    const b = tf.input({ shape: [5], name: 'b' });
    const shared = L.dense({ units: 4, name: 'shared' });
    const inner = tf.sequential({ name: 'inner', layers: [L.dense({ units: 3, inputShape: [4], name: 'i1' }), L.dense({ units: 2, name: 'i2' })] });
    const ha = shared.apply(a) as tf.SymbolicTensor;
    const hb = shared.apply(b) as tf.SymbolicTensor;
    const o1 = inner.apply(ha) as tf.SymbolicTensor;
    const o2 = L.dense({ units: 1, name: 'o2' }).apply(L.concatenate({}).apply([ha, hb])) as tf.SymbolicTensor;
    return tf.model({ inputs: [a, b], outputs: [o1, o2] });
  },
  'functional: recurrent state outputs and broadcast add': () => {
    const x = tf.input({ shape: [4, 3] });
    const [seq, h, c] = L.lstm({ units: 2, returnState: true, returnSequences: true }).apply(x) as tf.SymbolicTensor[];
    const s = L.add({}).apply([seq, L.reshape({ targetShape: [1, 2] }).apply(h) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: [s, c] });
  },
  'nested functional model': () => {
    const xi = tf.input({ shape: [3] });
    const inner = tf.model({ inputs: xi, outputs: L.dense({ units: 2, name: 'core' }).apply(xi) as tf.SymbolicTensor, name: 'innerModel' });
    const x = tf.input({ shape: [3] });
    return tf.model({ inputs: x, outputs: L.dense({ units: 1, name: 'head' }).apply(inner.apply(x)) as tf.SymbolicTensor });
  },
  'rescaling (tfjs gets the symbolic shapes of Resizing and CenterCrop wrong, so the checker refuses those)': () => tf.sequential({ layers: [L.rescaling({ scale: 1 / 255, inputShape: [10, 12, 3] }), L.dense({ units: 2 })] }),
};

const shapes = (m: tf.LayersModel) => m.outputs.map((o) => o.shape);
const weights = (m: tf.LayersModel) => m.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));

describe('checkLayersTopology against tfjs', () => {
  it.each(Object.keys(MODELS))('%s: the same weights (names, shapes, order) and output shapes as tfjs builds from the topology', async (key) => {
    const m = MODELS[key]();
    const json = m.toJSON(null, false);
    const summary = checkLayersTopology(json);
    const reloaded = await tf.models.modelFromJSON({ modelTopology: json } as never);
    expect(summary.weights.map(({ name, shape }) => ({ name, shape }))).toEqual(weights(reloaded));
    expect(summary.outputs).toEqual(shapes(reloaded));
    expect(weights(reloaded)).toEqual(weights(m));
    checkTopologyWeights(json, weights(m), { ordered: true });
  });

  it('mirrors what tfjs builds, not what it saved: tfjs 4.22 drops SeparableConv2D depth_multiplier on save', async () => {
    const m = tf.sequential({ layers: [L.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2, inputShape: [5, 5, 3] })] });
    const json = m.toJSON(null, false);
    const reloaded = await tf.models.modelFromJSON({ modelTopology: json } as never);
    expect(checkLayersTopology(json).weights.map((w) => w.shape)).toEqual(reloaded.weights.map((w) => w.shape));
    expect(reloaded.weights[0].shape).not.toEqual(m.weights[0].shape);
  });

  it('covers every layer class it accepts with a model built by tfjs', () => {
    const seen = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.class_name === 'string') seen.add(o.class_name);
        Object.values(o).forEach(walk);
      }
    };
    for (const make of Object.values(MODELS)) walk(make().toJSON(null, false));
    const untested = KNOWN_LAYER_CLASSES.filter((c) => !seen.has(c) && c !== 'Functional');
    expect(untested).toEqual([]);
  });
});

/** A functional topology literal: input [4] -> d1 Dense(3) -> d2 Dense(2). */
function chain(): { topology: Record<string, unknown>; table: { name: string; shape: number[] }[] } {
  const dense = (name: string, units: number, from: string) => ({ name, class_name: 'Dense', config: { name, units }, inbound_nodes: [[[from, 0, 0, {}]]] });
  return {
    topology: {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [{ name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_input_shape: [null, 4] }, inbound_nodes: [] }, dense('d1', 3, 'x'), dense('d2', 2, 'd1')],
        input_layers: [['x', 0, 0]],
        output_layers: [['d2', 0, 0]],
      },
    },
    table: [
      { name: 'd1/kernel', shape: [4, 3] },
      { name: 'd1/bias', shape: [3] },
      { name: 'd2/kernel', shape: [3, 2] },
      { name: 'd2/bias', shape: [2] },
    ],
  };
}

type Layers = { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] }[];
function edit(f: (layers: Layers, config: Record<string, unknown>) => void): Record<string, unknown> {
  const { topology } = chain();
  const config = topology.config as Record<string, unknown>;
  f(config.layers as Layers, config);
  return topology;
}

describe('checkTopologyWeights refuses', () => {
  const table = chain().table;
  it.each([
    ['a missing inbound layer (the middle layer removed)', edit((l) => l.splice(1, 1)), 'E_FORMAT_INBOUND', /'d2'.*'d1', which is not in it/],
    ['a cycle', edit((l) => (l[1].inbound_nodes = [[['d2', 0, 0, {}]]])), 'E_FORMAT_CYCLE', /d1/],
    ['a self-loop', edit((l) => (l[1].inbound_nodes = [[['d1', 0, 0, {}]]])), 'E_FORMAT_CYCLE', /d1/],
    ['a node index that does not exist', edit((l) => (l[2].inbound_nodes = [[['d1', 1, 0, {}]]])), 'E_FORMAT_INBOUND', /node 1 of layer 'd1'/],
    ['a tensor index that does not exist', edit((l) => (l[2].inbound_nodes = [[['d1', 0, 3, {}]]])), 'E_FORMAT_INBOUND', /output 3 of layer 'd1'/],
    ['an empty inbound node', edit((l) => (l[2].inbound_nodes = [[]])), 'E_FORMAT_INBOUND', /d2/],
    ['an unknown layer class', edit((l) => (l[1].class_name = 'Lambda')), 'E_FORMAT_LAYER_CLASS', /'d1'.*'Lambda'/],
    ['a duplicate layer name', edit((l) => (l[2] = { ...l[2], name: 'd1', config: { ...l[2].config, name: 'd1' } })), 'E_FORMAT_LAYER_NAME', /'d1' twice/],
    ['an output that does not exist', edit((_l, c) => (c.output_layers = [['nope', 0, 0]])), 'E_FORMAT_IO', /nope/],
    ['an input that is not an InputLayer', edit((_l, c) => (c.input_layers = [['d1', 0, 0]])), 'E_FORMAT_IO', /d1/],
    ['an input the outputs need but the model does not list', edit((l, c) => { l.push({ name: 'y', class_name: 'InputLayer', config: { name: 'y', batch_input_shape: [null, 3] }, inbound_nodes: [] }); l[2].inbound_nodes = [[['y', 0, 0, {}]]]; c.input_layers = [['x', 0, 0]]; }), 'E_FORMAT_IO', /'y'/],
    ['a config value of the wrong type', edit((l) => (l[1].config.units = -3)), 'E_FORMAT_LAYER_CONFIG', /units.*'d1'/],
    ['a huge activation', edit((l) => (l[1].config.units = 2 ** 26)), 'E_FORMAT_LIMIT', /'d1'/],
    ['an unknown top-level class', { class_name: 'Graph', config: {} }, 'E_FORMAT_TOPOLOGY', /Graph/],
    ['models nested too deep', (() => { let t: Record<string, unknown> = { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 1, batch_input_shape: [null, 1] } }] } }; for (let i = 0; i < 12; i++) t = { class_name: 'Sequential', config: { name: `s${i}`, layers: [{ ...t, config: { ...(t.config as object), name: `n${i}` } }] } }; return t; })(), 'E_FORMAT_LIMIT', /nested/],
  ])('%s', (_what, topology, code, message) => {
    let error: unknown;
    const t0 = performance.now();
    try {
      checkTopologyWeights(topology, table);
    } catch (e) {
      error = e;
    }
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(isSoftshareError(error, code as never), String(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it.each([
    ['a missing tensor', table.slice(0, 3), /no 'd2\/bias' for layer 'd2'/],
    ['a duplicate entry', [...table, table[3]], /'d2\/bias' twice/],
    ['an extra tensor', [...table, { name: 'd3/kernel', shape: [1] }], /'d3\/kernel'/],
    ['a wrong shape', table.map((t) => (t.name === 'd1/kernel' ? { ...t, shape: [3, 4] } : t)), /'d1\/kernel' of layer 'd1' to have shape \[4, 3\], got \[3, 4\]/],
  ])('a tensor table with %s', (_what, t, message) => {
    expect(() => checkTopologyWeights(chain().topology, t)).toThrow(message);
  });

  it('checks the order only when asked', () => {
    const swapped = [table[1], table[0], table[2], table[3]];
    expect(() => checkTopologyWeights(chain().topology, swapped)).not.toThrow();
    expect(() => checkTopologyWeights(chain().topology, swapped, { ordered: true })).toThrow(/weight order/);
  });

  // a correctness test (it must end, with the right shape); the time goes to the log, not an assert
  it('rebuilds a long chain listed backwards (the build queue\'s worst case: one layer per round)', () => {
    const n = 2000;
    const layers: unknown[] = [];
    for (let i = n; i >= 1; i--) layers.push({ name: `r${i}`, class_name: 'ReLU', config: { name: `r${i}` }, inbound_nodes: [[[i === 1 ? 'x' : `r${i - 1}`, 0, 0, {}]]] });
    layers.push({ name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_input_shape: [null, 2] }, inbound_nodes: [] });
    const t0 = performance.now();
    const s = checkLayersTopology({ class_name: 'Model', config: { name: 'm', layers, input_layers: [['x', 0, 0]], output_layers: [[`r${n}`, 0, 0]] } });
    expect(s.outputs).toEqual([[null, 2]]);
    console.log(`a ${n}-layer chain listed backwards: checked in ${(performance.now() - t0).toFixed(0)} ms`);
  });
});
