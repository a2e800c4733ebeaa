import * as tf from '@tensorflow/tfjs';
import { concatBytes, paramRole, SoftshareError, type ConstantTensor, type ModelData, type ParamTensor, type PretrainedModel } from '@softshare/core';
import { calibrationInputs, type Calibration } from '@softshare/data';
import { fromModelData } from './model-data.js';

/** Whether tfjs ModelArtifacts hold a graph model (converted from TensorFlow) rather than a layers model. */
export function isGraphArtifacts(artifacts: tf.io.ModelArtifacts): boolean {
  const t = artifacts.modelTopology as { node?: unknown } | undefined;
  return artifacts.format === 'graph-model' || (t !== undefined && t !== null && typeof t === 'object' && Array.isArray(t.node));
}

/**
 * A tfjs graph model's artifacts as the artefact stages take: the GraphDef as topology,
 * float weights as params (weights the converter quantised to uint8 / uint16 / float16 are
 * dequantised by tfjs's own decodeWeights, as tf.loadGraphModel does), int32 and bool
 * weights kept exactly as constants. Refuses, with one coded line, what it cannot carry
 * (string or complex weights, a model initializer).
 */
export function graphModelData(artifacts: tf.io.ModelArtifacts, what = 'the model'): PretrainedModel {
  const a = artifacts as tf.io.ModelArtifacts & { modelInitializer?: unknown; signature?: Record<string, unknown> };
  if (a.modelInitializer !== undefined) throw new SoftshareError('E_MODEL_FORMAT', 'models', `${what}: a graph model with a model initializer (hash tables) is not supported yet`);
  const specs = a.weightSpecs ?? [];
  const data = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
  const expected = specs.reduce((n, s) => {
    const width = s.quantization ? ({ uint8: 1, uint16: 2, float16: 2 } as Record<string, number>)[s.quantization.dtype] ?? 4 : s.dtype === 'bool' ? 1 : 4;
    return n + width * s.shape.reduce((x, y) => x * y, 1);
  }, 0);
  if (specs.some((s) => s.dtype === 'string' || s.dtype === 'complex64')) {
    const s = specs.find((x) => x.dtype === 'string' || x.dtype === 'complex64')!;
    throw new SoftshareError('E_MODEL_FORMAT', 'models', `${what}: weight ${s.name} is ${s.dtype}; only float32, int32 and bool weights are supported`);
  }
  if (data.byteLength !== expected) throw new SoftshareError('E_MODEL_FORMAT', 'models', `${what}: expected ${expected} bytes of weights for the manifest, got ${data.byteLength}`);
  const named = tf.io.decodeWeights(data, specs);
  const params: ParamTensor[] = [];
  const constants: ConstantTensor[] = [];
  for (const s of specs) {
    const t = named[s.name];
    const values = t.dataSync();
    if (t.dtype === 'float32') {
      const v = Float32Array.from(values as Float32Array);
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new SoftshareError('E_MODEL_FORMAT', 'models', `${what}: expected finite weights, got ${v[i]} in ${s.name}[${i}]`);
      params.push({ name: s.name, shape: [...s.shape], role: paramRole(s.name, s.shape, true), values: v });
    } else {
      constants.push({ name: s.name, shape: [...s.shape], dtype: t.dtype as 'int32' | 'bool', values: t.dtype === 'bool' ? Uint8Array.from(values as Uint8Array) : Int32Array.from(values as Int32Array) });
    }
    t.dispose();
  }
  return { kind: 'pretrained', topology: a.modelTopology, params, diagnostics: [], graph: { constants, ...(a.signature ? { signature: a.signature } : {}) } };
}

/** tfjs ModelArtifacts of a graph ModelData: float weights, then the constants, in one buffer. */
export function graphArtifacts(data: ModelData): tf.io.ModelArtifacts {
  if (!data.graph) throw new TypeError('Expected a graph model (ModelData.graph), got a layers model');
  const weightSpecs: tf.io.WeightsManifestEntry[] = [
    ...data.params.map((p) => ({ name: p.name, shape: [...p.shape], dtype: 'float32' as const })),
    ...data.graph.constants.map((c) => ({ name: c.name, shape: [...c.shape], dtype: c.dtype })),
  ];
  const buf = concatBytes([...data.params.map((p) => p.values), ...data.graph.constants.map((c) => c.values)]);
  return {
    modelTopology: data.topology as tf.io.ModelArtifacts['modelTopology'],
    format: 'graph-model',
    generatedBy: 'softshare',
    convertedBy: null,
    weightSpecs,
    weightData: buf.buffer,
    ...(data.graph.signature ? { signature: data.graph.signature } : {}),
  } as tf.io.ModelArtifacts;
}

/** A model that runs a batch: every output's values, row-major, per example. */
export interface Runner {
  /** One example's input shape (the model's first input without its batch axis); undefined dimensions are null. */
  readonly inputShape: readonly (number | null)[];
  run(x: tf.Tensor): Float32Array[];
  /**
   * Run another model of the same topology from now on (a candidate of a search): a layers
   * model's weights are swapped in place by setWeights, a graph model is rebuilt. Building and
   * disposing many layers models crashed the wasm backend (a segfault after some dozens;
   * docs/RESULTS.md), swapping weights does not.
   */
  load(data: ModelData): Promise<void>;
  dispose(): void;
}

function graphInputShape(model: tf.GraphModel): (number | null)[] {
  const shape = model.inputs[0]?.shape ?? [];
  return shape.slice(1).map((d) => (d === undefined || d === null || d < 0 ? null : d));
}

async function graphRunner(first: ModelData): Promise<Runner> {
  let model = await tf.loadGraphModel(tf.io.fromMemory(graphArtifacts(first)));
  return {
    inputShape: graphInputShape(model),
    run: (x) => {
      const out = model.execute(x);
      const list = Array.isArray(out) ? out : [out];
      const values = list.map((t) => Float32Array.from(t.dataSync() as Float32Array));
      tf.dispose(list);
      return values;
    },
    load: async (data) => {
      model.dispose();
      model = await tf.loadGraphModel(tf.io.fromMemory(graphArtifacts(data)));
    },
    dispose: () => model.dispose(),
  };
}

/** Run a layers or graph ModelData (the original, then candidates through `load`) on batches, for fidelity figures. */
export async function runnerOf(data: ModelData): Promise<Runner> {
  if (data.graph) return graphRunner(data);
  const model = await fromModelData(data);
  return {
    inputShape: (model.inputs[0].shape.slice(1) as (number | null)[]).map((d) => (d === undefined ? null : d)),
    run: (x) =>
      tf.tidy(() => {
        const out = model.predict(x);
        return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
      }),
    load: async (next) => {
      const ws = next.params.map((p) => tf.tensor(p.values, [...p.shape]));
      try {
        model.setWeights(ws);
      } finally {
        tf.dispose(ws);
      }
    },
    dispose: () => model.dispose(),
  };
}

/**
 * Every output of the runner's model on every example of `inputs` (divided and normalised
 * as they say), in batches of `batch`: one row-major array per output.
 */
export function outputsOf(runner: Runner, inputs: Calibration, shape: readonly number[], batch = 64): Float32Array[] {
  const parts: Float32Array[][] = [];
  for (let i = 0; i < inputs.count; i += batch) {
    const to = Math.min(inputs.count, i + batch);
    const x = tf.tensor(calibrationInputs(inputs, i, to), [to - i, ...shape]);
    try {
      runner.run(x).forEach((o, k) => (parts[k] ??= []).push(o));
    } finally {
      x.dispose();
    }
  }
  return parts.map((ps) => new Float32Array(concatBytes(ps).buffer));
}
