import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ParamTensor, QuantizedModel } from '@softshare/core';
import { toArtifacts, toModelData } from '@softshare/models';
import { quantizeTensor } from '@softshare/quantize';
import { pruneUnreachable, withoutUnreachable } from './index.js';

/** Deterministic pseudo-random numbers for the weights. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Sparse weights on a few shared values, like a quantised kernel. */
function sparse(p: ParamTensor, density: number, r: () => number): Float32Array {
  const values = [-0.5, -0.25, 0.25, 0.5];
  return Float32Array.from(p.values, () => (r() < density ? values[Math.floor(r() * 4)] : 0));
}

async function predict(model: ReturnType<typeof toModelData>, x: tf.Tensor): Promise<Float32Array> {
  const m = await tf.loadLayersModel(tf.io.fromMemory(toArtifacts(model)));
  const y = m.predict(x) as tf.Tensor;
  const out = (await y.data()) as Float32Array;
  y.dispose();
  m.dispose();
  return out;
}

const nonzero = (v: Float32Array) => v.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0);
const valuesOf = (params: readonly ParamTensor[]) => new Map(params.map((p) => [p.name, { shape: p.shape, values: Float32Array.from(p.values) }]));

function denseChain(): tf.LayersModel {
  const input = tf.input({ shape: [12] });
  let h = tf.layers.dense({ units: 9, activation: 'relu', name: 'd1' }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 7, name: 'd2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'tanh', name: 'act' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 4, name: 'd3' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.activation({ activation: 'softmax', name: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function convChain(padding: 'valid' | 'same'): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 1] });
  let h = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding, name: 'c1' }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'p1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding, name: 'c2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'p2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'flat' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 10, activation: 'relu', name: 'f1' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, name: 'f2' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Sparse random weights with whole units cut off on either side, biases of both signs. */
function sparsified(model: tf.LayersModel, seed: number) {
  const r = rng(seed);
  const data = toModelData(model);
  model.dispose();
  const params = data.params.map((p) => ({ ...p, values: p.role === 'kernel' ? sparse(p, 0.4, r) : Float32Array.from(p.values, () => r() - 0.5) }));
  for (const p of params) {
    if (p.role !== 'kernel') continue;
    const units = p.shape[p.shape.length - 1];
    const rows = p.values.length / units;
    // one unit with no inputs, and every row reading unit 1 of the layer before cleared
    for (let i = 0; i < rows; i++) p.values[i * units + (units - 1)] = 0;
    if (p.shape.length === 2) for (let o = 0; o < units; o++) p.values[Math.min(1, rows - 1) * units + o] = 0;
    else {
      const inC = p.shape[2];
      for (let i = 1; i < rows; i += inC) for (let o = 0; o < units; o++) p.values[i * units + o] = 0;
    }
  }
  return { ...data, params };
}

/** Predictions on x before and after pruning a copy of the model's values. */
async function pruneAndPredict(model: ReturnType<typeof toModelData>, x: tf.Tensor) {
  const before = await predict(model, x);
  const values = valuesOf(model.params);
  const r = pruneUnreachable({ topology: model.topology, values, canFoldInto: () => true });
  const after = await predict({ ...model, params: model.params.map((p) => ({ ...p, values: values.get(p.name)!.values })) }, x);
  x.dispose();
  return { before, after, values, r };
}

describe('pruneUnreachable', () => {
  it('zeroes dead weights of a dense chain and leaves its predictions unchanged', async () => {
    const model = sparsified(denseChain(), 3);
    const { before, after, values, r } = await pruneAndPredict(model, tf.randomUniform([16, 12], -1, 1, 'float32', 5));
    expect(r.skipped).toEqual([]);
    expect(r.zeroed).toBeGreaterThan(0);
    const nzBefore = model.params.reduce((n, p) => n + (p.role === 'kernel' ? nonzero(p.values) : 0), 0);
    const nzAfter = model.params.reduce((n, p) => n + (p.role === 'kernel' ? nonzero(values.get(p.name)!.values) : 0), 0);
    expect(nzBefore - nzAfter).toBe(r.zeroed);
    for (let i = 0; i < before.length; i++) expect(after[i]).toBeCloseTo(before[i], 6);
    // d1's last unit has no inputs; d2 reads it through ReLU of its bias
    const d1Bias = values.get('d1/bias')!.values[8];
    const d2 = values.get('d2/kernel')!.values;
    for (let o = 0; o < 7; o++) expect(d2[8 * 7 + o]).toBe(0);
    expect(r.folded).toBeGreaterThanOrEqual(d1Bias > 0 ? 1 : 0);
    // d1's unit 1 feeds nothing in d2: its inputs are gone
    const d1 = values.get('d1/kernel')!.values;
    for (let i = 0; i < 12; i++) expect(d1[i * 9 + 1]).toBe(0);
    // and so is its bias (it reaches the output no more than its weights), and the folded unit's
    expect(values.get('d1/bias')!.values[1]).toBe(0);
    expect(values.get('d1/bias')!.values[8]).toBe(0);
    expect(r.biasesZeroed).toBeGreaterThanOrEqual(1);
  });

  it.each(['valid', 'same'] as const)('zeroes dead channels through conv, pooling and flatten (%s padding), predictions unchanged', async (padding) => {
    const model = sparsified(convChain(padding), 11);
    const { before, after, values, r } = await pruneAndPredict(model, tf.randomUniform([8, 12, 12, 1], 0, 1, 'float32', 7));
    expect(r.skipped).toEqual([]);
    expect(r.zeroed).toBeGreaterThan(0);
    for (let i = 0; i < before.length; i++) expect(after[i]).toBeCloseTo(before[i], 5);
    // c1's last filter has no inputs and no activation: its constant bias reaches c2
    const c2 = values.get('c2/kernel')!.values;
    const readsLast = [...c2].filter((_, i) => Math.floor(i / 8) % 6 === 5);
    if (padding === 'valid') {
      expect(readsLast.every((v) => v === 0)).toBe(true);
      expect(r.folded).toBeGreaterThan(0);
      // the folded filter feeds nothing now: its bias is 0 as well
      expect(values.get('c1/bias')!.values[5]).toBe(0);
    }
  });

  it('leaves links it does not understand alone and says which', () => {
    const input = tf.input({ shape: [5] });
    let h = tf.layers.dense({ units: 4, name: 'a' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: 'bn' }).apply(h) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'b' }).apply(h) as tf.SymbolicTensor;
    const data = toModelData(tf.model({ inputs: input, outputs: out }));
    const values = valuesOf(data.params);
    values.get('b/kernel')!.values.fill(0);
    const r = pruneUnreachable({ topology: data.topology, values, canFoldInto: () => true });
    expect(r.zeroed).toBe(0);
    expect(r.skipped).toEqual(['a -> b: BatchNormalization layer bn in between']);
    expect(nonzero(values.get('a/kernel')!.values)).toBe(20);
  });

  it('leaves a softmax between weight layers alone: a cut-off unit would still change the others', () => {
    const input = tf.input({ shape: [5] });
    let h = tf.layers.dense({ units: 4, activation: 'softmax', name: 'a' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.dense({ units: 2, name: 'b' }).apply(h) as tf.SymbolicTensor;
    const data = toModelData(tf.model({ inputs: input, outputs: h }));
    const values = valuesOf(data.params);
    values.get('b/kernel')!.values.fill(0, 0, 2); // nothing reads a's unit 0
    const r = pruneUnreachable({ topology: data.topology, values, canFoldInto: () => true });
    expect(r).toEqual({ zeroed: 0, folded: 0, biasesZeroed: 0, skipped: ['a -> b: activation softmax couples the units'] });
  });

  it('reads Sequential models too', () => {
    const seq = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 's1' }), tf.layers.dense({ units: 2, name: 's2' })] });
    const data = toModelData(seq);
    const values = valuesOf(data.params);
    const s2 = values.get('s2/kernel')!.values;
    s2.set([0, 0, 1, 1]); // row 0 reads s1's unit 0: nothing does
    const r = pruneUnreachable({ topology: data.topology, values, canFoldInto: () => true });
    const s1 = values.get('s1/kernel')!.values;
    expect([s1[0], s1[2], s1[4]]).toEqual([0, 0, 0]);
    expect(r.zeroed).toBe(3 - [...data.params[0].values].filter((v, i) => i % 2 === 0 && v === 0).length);
  });
});

describe('withoutUnreachable', () => {
  it('sets pruned weights to code 0, drops unused codebook values and never folds into a shared bias', () => {
    const model = sparsified(denseChain(), 5);
    model.params.find((p) => p.name === 'd1/bias')!.values[8] = 0.3; // d1's input-less unit emits 0.3 into d2
    const mixture = {
      means: Float64Array.from([0, -0.5, -0.25, 0.25, 0.5]),
      variances: Float64Array.from([1e-4, 1e-4, 1e-4, 1e-4, 1e-4]),
      proportions: Float64Array.from([0.96, 0.01, 0.01, 0.01, 0.01]),
    };
    const kernels = model.params.filter((p) => p.role === 'kernel');
    const quantized = kernels.map((p) => quantizeTensor(p.name, p.shape, p.values, mixture, 'map'));
    const q: QuantizedModel = { kind: 'quantized', topology: model.topology, params: model.params, mixture, quantized, diagnostics: [] };
    const out = withoutUnreachable(q);
    for (const t of out.quantized) {
      const p = out.params.find((x) => x.name === t.name)!;
      expect(t.codebook[0]).toBe(0);
      t.codes.forEach((c, i) => expect(t.codebook[c]).toBe(p.values[i]));
      const used = new Set(t.codes);
      used.add(0);
      expect(used.size).toBe(t.codebook.length);
    }
    expect(out.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^zeroed \d+ weights that cannot reach the output/), expect.stringMatching(/^zeroed the biases of \d+ units that feed nothing$/)]);
    // the input model is untouched
    expect(model.params.map((p) => nonzero(p.values))).toEqual(q.params.map((p) => nonzero(p.values)));
    const d2Bias = (m: QuantizedModel) => Array.from(m.params.find((p) => p.name === 'd2/bias')!.values);
    expect(d2Bias(out)).not.toEqual(d2Bias(q));
    const sharedBias = { ...q, quantized: [...quantized, quantizeTensor('d2/bias', [7], Float32Array.from(model.params[3].values), mixture, 'map')] };
    // nothing folded into a shared bias (it must stay on its codebook); only dead units' entries go to 0 (code 0)
    const kept = d2Bias(withoutUnreachable(sharedBias));
    kept.forEach((v, i) => expect(v === d2Bias(q)[i] || v === 0).toBe(true));
  });
});
