import type * as tf from '@tensorflow/tfjs';
import { concatBytes } from '@softshare/core';

/**
 * BatchNormalization folded into the layer before it, at decode time: inference computes
 * gamma * (z - mean) / sqrt(var + eps) + beta of a linear z = x W + b, which is the same
 * linear layer with W' = W s and b' = (b - mean) s + beta per output channel, s = gamma /
 * sqrt(var + eps). Exact up to float32 rounding of W s (docs/RESULTS.md measures it).
 * Folded when the layer before is a Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D
 * (into its pointwise kernel) or Dense with a linear activation and channels last, the
 * BatchNormalization normalises the last axis, and nothing else reads the layer's output.
 * Anything else stays as it is.
 */

type LayerJson = { class_name: string; config: Record<string, unknown>; name?: string; inbound_nodes?: unknown[] };
type Topology = { class_name: string; config: { layers: LayerJson[]; output_layers?: unknown[]; [k: string]: unknown } };

/** The weight each foldable class scales per output channel. */
const FOLDABLE: Record<string, string> = { Conv1D: 'kernel', Conv2D: 'kernel', DepthwiseConv2D: 'depthwise_kernel', SeparableConv2D: 'pointwise_kernel', Dense: 'kernel' };

const nameOf = (l: LayerJson) => (l.config.name as string | undefined) ?? l.name ?? '';

/** The names of the layers a functional layer's (single) inbound node reads, or undefined when it has several nodes. */
function inboundNames(l: LayerJson): string[] | undefined {
  const nodes = l.inbound_nodes ?? [];
  if (nodes.length !== 1) return undefined;
  const node = nodes[0];
  // tfjs: [[name, nodeIndex, tensorIndex, kwargs], ...]; Keras 3 style objects are not folded
  if (!Array.isArray(node)) return undefined;
  return node.map((e) => (Array.isArray(e) ? String(e[0]) : ''));
}

/** Whether a BatchNormalization normalises the channels a producer of class `cls` writes last: axis -1, or its rank - 1. */
function normalisesChannels(bn: LayerJson, cls: string): boolean {
  const a = Array.isArray(bn.config.axis) ? (bn.config.axis.length === 1 ? bn.config.axis[0] : undefined) : bn.config.axis;
  const rank = cls === 'Dense' ? 2 : cls === 'Conv1D' ? 3 : 4;
  return a === -1 || a === rank - 1;
}

function producerFits(p: LayerJson): boolean {
  const cls = p.class_name;
  if (!(cls in FOLDABLE)) return false;
  const activation = p.config.activation ?? 'linear';
  const format = p.config.data_format ?? 'channels_last';
  return activation === 'linear' && format === 'channels_last';
}

/** A named float32 weight, as a ModelData parameter or one entry of a weights manifest. */
export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** A linear layer and the BatchNormalization that alone reads it, normalising its output channels. */
export interface BatchNormPair {
  /** The linear layer's name and class. */
  readonly producer: string;
  readonly producerClass: string;
  /** The BatchNormalization's name. */
  readonly batchNorm: string;
  /** The weight scaled per output channel: `${producer}/kernel`, `/depthwise_kernel` or `/pointwise_kernel`. */
  readonly kernel: string;
  /** The kernels whose output channels `balanceBatchNormWeights` scales: a SeparableConv2D's depthwise and pointwise ones, else `kernel`. */
  readonly channelKernels: readonly string[];
  readonly epsilon: number;
  /** Whether the BatchNormalization has gamma / beta, and the linear layer a bias. */
  readonly scale: boolean;
  readonly center: boolean;
  readonly useBias: boolean;
}

/**
 * Every BatchNormalization of a layers topology that directly follows a foldable linear
 * layer (Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D, Dense with a linear
 * activation, channels last), normalises its output channels and is the only reader of
 * that layer's (single) output. On such a pair, per output channel c, inference computes
 * gamma_c (z_c - mean_c) / sqrt(var_c + eps) + beta_c of the layer's z_c: the pair can be
 * folded into one linear layer, or have z_c's scale moved into the statistics.
 */
export function batchNormPairs(topology: unknown): BatchNormPair[] {
  const top = topology as Topology | undefined;
  if (!top?.config?.layers) return [];
  const layers = top.config.layers;
  const sequential = top.class_name === 'Sequential';
  const pairs: BatchNormPair[] = [];
  for (let i = 0; i < layers.length; i++) {
    const bn = layers[i];
    if (bn.class_name !== 'BatchNormalization') continue;
    let producer: LayerJson | undefined;
    if (sequential) producer = i > 0 ? layers[i - 1] : undefined;
    else {
      const ins = inboundNames(bn);
      if (ins?.length !== 1) continue;
      producer = layers.find((l) => nameOf(l) === ins[0]);
      // nothing but this BatchNormalization may read the producer, and the producer runs once
      const readers = layers.filter((l) => (l.inbound_nodes ?? []).some((node) => Array.isArray(node) && node.some((e) => Array.isArray(e) && e[0] === ins[0])));
      const isOutput = (top.config.output_layers ?? []).some((o) => Array.isArray(o) && o[0] === ins[0]);
      if (!producer || readers.length !== 1 || isOutput || producer.inbound_nodes?.length !== 1) continue;
    }
    if (!producer || !producerFits(producer) || !normalisesChannels(bn, producer.class_name)) continue;
    const p = nameOf(producer);
    pairs.push({
      producer: p,
      producerClass: producer.class_name,
      batchNorm: nameOf(bn),
      kernel: `${p}/${FOLDABLE[producer.class_name]}`,
      channelKernels: producer.class_name === 'SeparableConv2D' ? [`${p}/depthwise_kernel`, `${p}/pointwise_kernel`] : [`${p}/${FOLDABLE[producer.class_name]}`],
      epsilon: typeof bn.config.epsilon === 'number' ? bn.config.epsilon : 1e-3,
      scale: bn.config.scale !== false,
      center: bn.config.center !== false,
      useBias: producer.config.use_bias !== false,
    });
  }
  return pairs;
}

/** A pair's weights by name, when they are all there and agree on the number of channels. */
function pairWeights(pair: BatchNormPair, byName: ReadonlyMap<string, NamedWeight>) {
  const b = pair.batchNorm;
  const kernel = byName.get(pair.kernel);
  const mean = byName.get(`${b}/moving_mean`);
  const variance = byName.get(`${b}/moving_variance`);
  if (!kernel || !mean || !variance) return undefined;
  const channels = mean.values.length;
  if (kernel.values.length % channels !== 0 || variance.values.length !== channels) return undefined;
  const bias = pair.useBias ? byName.get(`${pair.producer}/bias`) : undefined;
  if (bias && bias.values.length !== channels) return undefined;
  return {
    kernel,
    mean,
    variance,
    channels,
    bias,
    gamma: pair.scale ? byName.get(`${b}/gamma`) : undefined,
    beta: pair.center ? byName.get(`${b}/beta`) : undefined,
  };
}

/**
 * Fold every foldable BatchNormalization of a layers topology into the layer before it,
 * on its weights by name (`foldBatchNormalization` does it on tfjs artifacts). Returns a new
 * topology and weights in the original order, a new bias right after its layer's weights;
 * neither input is changed. When nothing folds, the inputs come back as they are.
 */
export function foldBatchNormWeights(topology: unknown, weights: readonly NamedWeight[]): { topology: unknown; weights: readonly NamedWeight[]; folded: string[] } {
  const unchanged = { topology, weights, folded: [] as string[] };
  const pairs = batchNormPairs(topology);
  if (pairs.length === 0) return unchanged;
  const top = JSON.parse(JSON.stringify(topology)) as Topology;
  const byName = new Map(weights.map((w) => [w.name, w]));
  const folded: string[] = [];
  const renamed = new Map<string, string>(); // folded BatchNormalization -> the layer that now gives its output
  for (const pair of pairs) {
    const w = pairWeights(pair, byName);
    if (!w) continue;
    const { kernel, mean, variance, channels, gamma, beta } = w;
    const p = pair.producer;
    const scale = Float64Array.from(variance.values, (v, c) => (gamma ? gamma.values[c] : 1) / Math.sqrt(v + pair.epsilon));
    const bias = w.bias?.values ?? new Float32Array(channels);
    byName.set(kernel.name, { ...kernel, values: Float32Array.from(kernel.values, (v, k) => v * scale[k % channels]) });
    byName.set(`${p}/bias`, { name: `${p}/bias`, shape: [channels], values: Float32Array.from(bias, (v, c) => (v - mean.values[c]) * scale[c] + (beta ? beta.values[c] : 0)) });
    top.config.layers.find((l) => nameOf(l) === p)!.config.use_bias = true;
    for (const n of ['gamma', 'beta', 'moving_mean', 'moving_variance']) byName.delete(`${pair.batchNorm}/${n}`);
    renamed.set(pair.batchNorm, p);
    folded.push(pair.batchNorm);
  }
  if (folded.length === 0) return unchanged;
  // drop the folded layers; whatever read one of them reads its producer
  top.config.layers = top.config.layers.filter((l) => !renamed.has(nameOf(l)));
  const rewire = (e: unknown) => (Array.isArray(e) && renamed.has(String(e[0])) ? [renamed.get(String(e[0])), ...e.slice(1)] : e);
  for (const l of top.config.layers) if (l.inbound_nodes) l.inbound_nodes = l.inbound_nodes.map((node) => (Array.isArray(node) ? node.map(rewire) : node));
  if (top.config.output_layers) top.config.output_layers = top.config.output_layers.map(rewire);
  // weights in the original order, a new bias right after its layer's scaled weight
  const names = weights.map((w) => w.name).filter((n) => byName.has(n));
  for (const b of folded) {
    const p = renamed.get(b)!;
    if (names.includes(`${p}/bias`)) continue;
    const last = names.reduce((k, n, j) => (n.startsWith(`${p}/`) ? j : k), -1);
    names.splice(last + 1, 0, `${p}/bias`);
  }
  return { topology: top, weights: names.map((n) => byName.get(n)!), folded };
}

/**
 * Move each output channel's scale of a kernel followed by BatchNormalization into that
 * BatchNormalization's statistics, so that every such channel's weights have the RMS
 * `target`: with z_c scaled by k_c, mean_c becomes k_c mean_c and var_c becomes
 * k_c^2 (var_c + eps) - eps, and inference computes the same function (up to float32
 * rounding; k_c is raised where the new variance would go below 0). Under one mixture
 * prior the channels then share a scale, where BatchNormalization had let them drift
 * apart. A SeparableConv2D's depthwise channels are balanced too, their scale moved into
 * the rows of its pointwise kernel (nothing but a product lies between). Returns new
 * weights in the same order and the kernels balanced; neither input is changed.
 */
export function balanceBatchNormWeights(topology: unknown, weights: readonly NamedWeight[], target: number): { weights: readonly NamedWeight[]; balanced: string[] } {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const balanced: string[] = [];
  if (!(target > 0) || !Number.isFinite(target)) return { weights, balanced };
  for (const pair of batchNormPairs(topology)) {
    const w = pairWeights(pair, byName);
    if (!w) continue;
    const { mean, variance, channels, bias } = w;
    let kernel = w.kernel;
    // a separable convolution's depthwise channels first: their scale moves into the pointwise kernel's rows (linear in between)
    const depthwise = pair.channelKernels.length > 1 ? byName.get(pair.channelKernels[0]) : undefined;
    if (depthwise && depthwise.shape.length === 4) {
      const inner = depthwise.shape[2] * depthwise.shape[3];
      if (kernel.values.length === inner * channels) {
        const k = channelScales(depthwise.values, inner, target, () => 0);
        byName.set(depthwise.name, { ...depthwise, values: Float32Array.from(depthwise.values, (v, i) => v * k[i % inner]) });
        kernel = { ...kernel, values: Float32Array.from(kernel.values, (v, i) => v / k[Math.floor(i / channels)]) };
        balanced.push(depthwise.name);
      }
    }
    const k = channelScales(kernel.values, channels, target, (c) => Math.sqrt(pair.epsilon / (variance.values[c] + pair.epsilon)));
    const scaled = (x: NamedWeight, f: (v: number, c: number) => number): NamedWeight => ({ ...x, values: Float32Array.from(x.values, (v, i) => f(v, i % channels)) });
    byName.set(kernel.name, scaled(kernel, (v, c) => v * k[c]));
    if (bias) byName.set(bias.name, scaled(bias, (v, c) => v * k[c]));
    byName.set(mean.name, scaled(mean, (v, c) => v * k[c]));
    byName.set(variance.name, scaled(variance, (v, c) => Math.max(0, k[c] * k[c] * (v + pair.epsilon) - pair.epsilon)));
    balanced.push(kernel.name);
  }
  return { weights: weights.map((x) => byName.get(x.name)!), balanced };
}

/** Per channel (index mod `channels`), the factor that takes its RMS to `target`, at least `lowest(c)`; 1 for a channel of zeros. */
function channelScales(values: Float32Array, channels: number, target: number, lowest: (c: number) => number): Float64Array {
  const sq = new Float64Array(channels);
  values.forEach((v, i) => (sq[i % channels] += v * v));
  const per = values.length / channels;
  return Float64Array.from(sq, (s, c) => {
    const rms = Math.sqrt(s / per);
    const low = lowest(c);
    if (!(rms > 0) || !Number.isFinite(rms) || !Number.isFinite(low)) return 1;
    return Math.max(target / rms, low);
  });
}

/**
 * Fold every foldable BatchNormalization of a layers model's artifacts (float32 weights)
 * into the layer before it (`foldBatchNormWeights`). Returns new artifacts (the input is
 * not changed) and the BatchNormalization layers folded, by name.
 *
 * @example
 * const { artifacts, folded } = foldBatchNormalization(swsToArtifacts(bytes));
 * const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
 */
export function foldBatchNormalization(artifacts: tf.io.ModelArtifacts): { artifacts: tf.io.ModelArtifacts; folded: string[] } {
  const specs = artifacts.weightSpecs;
  const data = artifacts.weightData;
  if (!specs || !(data instanceof ArrayBuffer) || specs.some((s) => s.dtype !== 'float32')) return { artifacts, folded: [] };
  let at = 0;
  const weights = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(data, at * 4, n);
    at += n;
    return { name: s.name, shape: s.shape, values };
  });
  const r = foldBatchNormWeights(artifacts.modelTopology, weights);
  if (r.folded.length === 0) return { artifacts, folded: [] };
  const weightSpecs = r.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' as const }));
  return { artifacts: { ...artifacts, modelTopology: r.topology as tf.io.ModelArtifacts['modelTopology'], weightSpecs, weightData: concatBytes(r.weights.map((w) => w.values)).buffer as ArrayBuffer }, folded: r.folded };
}
