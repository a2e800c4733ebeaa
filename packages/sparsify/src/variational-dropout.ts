import * as tf from '@tensorflow/tfjs';
import { Rng, SoftshareError, type ModelData } from '@softshare/core';
import { makeBatch, takeFirst, type Dataset, type DataSplit } from '@softshare/data';
import { classifierOutput, crossEntropy, evaluate, freezeBatchNorm, fromModelData, inputShapeFor, resolveTask } from '@softshare/models';
import { runEpochs, scheduleFactor } from '@softshare/train';
import type { SparsifyOptions } from './options.js';
import { keepLowest } from './select.js';

/** Molchanov et al.'s (2017) fit of -KL(q || log-uniform prior) as a function of log-alpha. */
const K1 = 0.63576;
const K2 = 1.8732;
const K3 = 1.48695;
/** log-alpha is clipped to this range, as in Molchanov et al.'s code. */
const LOG_ALPHA_LIMIT = 8;

/** A Dense or Conv2D layer whose kernel is sparsified: mean theta and log-variance per weight. */
interface VdLayer {
  readonly kernelName: string;
  readonly biasName?: string;
  readonly theta: tf.Variable;
  readonly logVariance: tf.Variable;
  readonly bias?: tf.Variable;
  /** x -> x W (dense) or the layer's convolution of x by W. */
  readonly op: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;
  readonly activation?: tf.layers.Layer;
}

/** One step of the chain: a sparsified layer or a layer applied as it is. */
type ChainStep = { vd: VdLayer } | { layer: tf.layers.Layer };

/** What sparse variational dropout learned, per sparsified tensor (kernels in model order). */
export interface VariationalDropoutResult {
  readonly tensors: readonly { name: string; shape: readonly number[]; theta: Float32Array; logAlpha: Float32Array }[];
  /** Trained biases of the sparsified layers, by parameter name. */
  readonly biases: ReadonlyMap<string, Float32Array>;
}

/** Statistics of one epoch of sparse variational dropout. */
export interface VariationalDropoutEpoch {
  readonly epoch: number;
  readonly epochs: number;
  /** Mean training cross-entropy of the epoch's (noisy) batches. */
  readonly loss: number;
  /** Mean KL / N_train over the epoch's batches (before its weight). */
  readonly kl: number;
  /** Weights with log-alpha < 3 (Molchanov et al.'s own threshold), over every sparsified tensor. */
  readonly belowThreshold: number;
  /** Validation error of the network of the kept weights' means (top `density` share by log-alpha), on epochs `evalEvery` asks for when the data has a validation split. */
  readonly validationError?: number;
}

/** Callbacks of a variational dropout run. */
export interface VariationalDropoutHooks {
  /** Polled before each batch; true stops the run with E_CANCELLED. */
  isCancelled?: () => boolean;
  /** After each batch: batches done in this epoch, batches per epoch. */
  onStep?: (step: number, steps: number) => void;
  onEpoch?: (e: VariationalDropoutEpoch) => void;
}

function logAlpha(l: VdLayer): tf.Tensor {
  return tf.clipByValue(tf.sub(l.logVariance, tf.log(tf.add(tf.square(l.theta), 1e-8))), -LOG_ALPHA_LIMIT, LOG_ALPHA_LIMIT);
}

/** sum over weights of KL(q || prior) by Molchanov et al.'s approximation. */
function klDivergence(l: VdLayer): tf.Scalar {
  const a = logAlpha(l);
  const negKl = tf.sub(tf.sub(tf.mul(K1, tf.sigmoid(tf.add(K2, tf.mul(K3, a)))), tf.mul(0.5, tf.softplus(tf.neg(a)))), K1);
  return tf.neg(tf.sum(negKl)) as tf.Scalar;
}

/** A trainable variable holding a fresh tensor's values (the tensor itself is freed). */
function variableOf(make: () => tf.Tensor): tf.Variable {
  const t = make();
  const v = tf.variable(t);
  t.dispose();
  return v;
}

/**
 * The model as a chain of layers (each takes the previous one's output), with every Dense
 * and Conv2D kernel in `names` turned into a variational layer. Ends at the logits when the
 * last layer is a softmax activation layer (`logits` true), else at the model's output.
 */
function buildChain(model: tf.LayersModel, params: ReadonlyMap<string, Float32Array>, names: ReadonlySet<string>, initLogVariance: number): { steps: ChainStep[]; logits: boolean; vd: VdLayer[] } {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  layers.forEach((l, i) => {
    const inbound = (l as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes.flatMap((n) => n.inboundLayers);
    const ok = inbound.length === 1 && (i === 0 ? inbound[0].getClassName() === 'InputLayer' : inbound[0] === layers[i - 1]);
    if (!ok) throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'sparsify', `sparsify takes chain models (each layer fed by the one before); layer "${l.name}" is fed by ${inbound.map((x) => `"${x.name}"`).join(', ') || 'nothing'}`);
  });
  const output = classifierOutput(model);
  // the chain ends at logits before a softmax layer or at a linear output, else at probabilities
  const logits = output !== 'probabilities';
  const vd: VdLayer[] = [];
  const steps: ChainStep[] = (output === 'softmax-layer' ? layers.slice(0, -1) : layers).map((layer) => {
    const kernelName = `${layer.name}/kernel`;
    const kind = layer.getClassName();
    if (!names.has(kernelName) || (kind !== 'Dense' && kind !== 'Conv2D')) return { layer };
    const cfg = layer.getConfig() as { activation?: string; strides?: number[]; padding?: 'valid' | 'same'; dilationRate?: number | number[]; dataFormat?: string };
    if (kind === 'Conv2D' && cfg.dataFormat === 'channelsFirst') throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'sparsify', `sparsify takes channels-last convolutions; layer "${layer.name}" is channels-first`);
    const kernel = layer.getWeights()[0];
    const biasName = `${layer.name}/bias`;
    const bias = params.get(biasName);
    const dilation = (Array.isArray(cfg.dilationRate) ? cfg.dilationRate : [cfg.dilationRate ?? 1, cfg.dilationRate ?? 1]) as [number, number];
    const op =
      kind === 'Conv2D'
        ? (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, cfg.strides as [number, number], cfg.padding ?? 'valid', 'NHWC', dilation)
        : (x: tf.Tensor, w: tf.Tensor) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
    const l: VdLayer = {
      kernelName,
      biasName: bias ? biasName : undefined,
      theta: variableOf(() => tf.tensor(params.get(kernelName)!, kernel.shape)),
      logVariance: variableOf(() => tf.fill(kernel.shape, initLogVariance)),
      bias: bias ? variableOf(() => tf.tensor(bias)) : undefined,
      op,
      activation: cfg.activation && cfg.activation !== 'linear' ? tf.layers.activation({ activation: cfg.activation as 'relu' }) : undefined,
    };
    vd.push(l);
    return { vd: l };
  });
  return { steps, logits, vd };
}

/**
 * The chain's output (logits when the model ends in a softmax layer) for a batch: each
 * variational layer's pre-activation is its mean plus, when `nextSeed` is given, a draw of
 * its local-reparameterisation noise (seeded by `nextSeed()`); without it, the network of
 * the means.
 */
function chainForward(steps: readonly ChainStep[], x: tf.Tensor, nextSeed?: () => number): tf.Tensor {
  let h = x;
  for (const step of steps) {
    if ('layer' in step) {
      h = step.layer.apply(h, { training: nextSeed !== undefined }) as tf.Tensor;
      continue;
    }
    const l = step.vd;
    let out = l.op(h, l.theta);
    if (nextSeed) {
      const variance = l.op(tf.square(h), tf.exp(l.logVariance));
      out = tf.add(out, tf.mul(tf.sqrt(tf.add(variance, 1e-8)), tf.randomNormal(out.shape, 0, 1, 'float32', nextSeed())));
    }
    if (l.bias) out = tf.add(out, l.bias);
    h = l.activation ? (l.activation.apply(out) as tf.Tensor) : out;
  }
  return h;
}

/** The trainable variables of one variational layer: means, log-variances and bias. */
function layerVariables(l: VdLayer): tf.Variable[] {
  return [l.theta, l.logVariance, ...(l.bias ? [l.bias] : [])];
}

function disposeLayers(vd: readonly VdLayer[]): void {
  for (const l of vd) tf.dispose(layerVariables(l));
}

/**
 * The model as a variational chain (see `runVariationalDropout`) for checks: `forward(x)`
 * is the network of the means (logits when the model ends in a softmax layer); dispose()
 * frees its variables.
 */
export async function variationalChain(input: ModelData, names: ReadonlySet<string>, initLogVariance = -10): Promise<{ forward: (x: tf.Tensor) => tf.Tensor; logits: boolean; dispose: () => void }> {
  const model = await fromModelData(input);
  let chain: ReturnType<typeof buildChain>;
  try {
    chain = buildChain(model, new Map(input.params.map((p) => [p.name, p.values])), names, initLogVariance);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    forward: (x) => chainForward(chain.steps, x),
    logits: chain.logits,
    dispose: () => {
      disposeLayers(chain.vd);
      model.dispose();
    },
  };
}

/** Error on `split` of the input network with each variational layer's kernel = its means where kept (top `density` by log-alpha), else 0, and its trained bias. */
async function keptMeansError(input: ModelData, vd: readonly VdLayer[], density: number, split: DataSplit): Promise<number> {
  const thetas = vd.map((l) => l.theta.dataSync() as Float32Array);
  const logAlphas = vd.map((l) => tf.tidy(() => logAlpha(l).dataSync() as Float32Array));
  const keep = keepLowest(logAlphas, Math.round(density * thetas.reduce((a, t) => a + t.length, 0)));
  const values = new Map<string, Float32Array>();
  vd.forEach((l, i) => {
    values.set(l.kernelName, thetas[i].map((w, j) => (keep[i][j] ? w : 0)));
    if (l.bias) values.set(l.biasName!, l.bias.dataSync() as Float32Array);
  });
  const net = await fromModelData({ ...input, params: input.params.map((p) => ({ ...p, values: values.get(p.name) ?? p.values })) });
  try {
    return evaluate(net, split).error;
  } finally {
    net.dispose();
  }
}

/**
 * Sparse variational dropout (Molchanov et al. 2017) over the Dense and Conv2D kernels
 * named in `names`, starting from the model's weights: each weight gets a mean theta and a
 * log-variance; the loss is the cross-entropy under the local reparameterisation trick
 * (the pre-activations are sampled, one draw per example) plus kl x KL / N_train, the KL
 * weight rising linearly over `anneal` epochs; Adam trains the means, log-variances and
 * those layers' biases (other layers' weights stay as they are). Weights of high
 * log-alpha = log sigma^2 - log theta^2 are the ones the data says can go. Deterministic
 * for a given seed (batch order from Rng(seed), noise seeds seed, seed + 1, ...).
 */
export async function runVariationalDropout(input: ModelData, data: Dataset, names: ReadonlySet<string>, options: SparsifyOptions, hooks: VariationalDropoutHooks = {}): Promise<VariationalDropoutResult> {
  const model = await fromModelData(input);
  freezeBatchNorm(model);
  const params = new Map(input.params.map((p) => [p.name, p.values]));
  let chain: ReturnType<typeof buildChain> | undefined;
  const optimizer = tf.train.adam(options.learningRate);
  try {
    const shape = inputShapeFor(model, data.train);
    const task = resolveTask(model, data.train, data.task, data.numClasses);
    if (!(task.outputs.length === 1 && task.outputs[0].classes > 0 && task.outputs[0].loss.endsWith('categorical-crossentropy'))) {
      throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'sparsify', 'sparsify trains a classifier with one output by cross-entropy; for this task use the soft weight-sharing route (no sparsify section)');
    }
    chain = buildChain(model, params, names, options.initLogVariance);
    const { steps, logits, vd } = chain;
    if (vd.length === 0) throw new SoftshareError('E_OPTIONS', 'sparsify', 'No Dense or Conv2D kernel to sparsify: the model has none under the chosen tensors');
    let noiseSeed = options.seed;
    const forward = (x: tf.Tensor) => chainForward(steps, x, () => noiseSeed++);
    const loss = (h: tf.Tensor, y: tf.Tensor): tf.Scalar => (logits ? crossEntropy(h, y) : (tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(h, 1e-7, 1))), 1))) as tf.Scalar));
    const vars = vd.flatMap(layerVariables);
    const train = options.trainLimit ? takeFirst(data.train, options.trainLimit) : data.train;
    const N = train.count;
    const perEpoch = Math.ceil(N / options.batchSize);
    const totalSteps = options.epochs * perEpoch;
    let ceSum = 0;
    let klSum = 0;
    await runEpochs({
      stage: 'sparsify',
      label: 'Sparsify',
      epochs: options.epochs,
      count: N,
      batchSize: options.batchSize,
      rng: new Rng(options.seed),
      isCancelled: hooks.isCancelled,
      onStep: hooks.onStep,
      divergedHint: 'lower sparsify.learningRate',
      beginEpoch: () => {
        ceSum = 0;
        klSum = 0;
      },
      batch: (indices, at) => {
        const t = at.global + 1;
        const klWeight = options.anneal > 0 ? options.kl * Math.min(1, t / (options.anneal * perEpoch)) : options.kl;
        (optimizer as unknown as { learningRate: number }).learningRate = options.learningRate * scheduleFactor(options.schedule, t - 1, 0, totalSteps);
        const batch = makeBatch(train, indices, task.classes);
        let ce: tf.Scalar | undefined;
        let kl: tf.Scalar | undefined;
        try {
          return tf.tidy(() => {
            const x = tf.tensor(batch.x, [batch.size, ...shape]);
            const [y] = task.targets(batch.ys, batch.size);
            const { grads } = tf.variableGrads(() => {
              ce = tf.keep(loss(forward(x), y));
              kl = tf.keep(tf.addN(vd.map(klDivergence)) as tf.Scalar);
              return tf.add(ce, tf.mul(kl, klWeight / N));
            }, vars);
            const ceValue = ce!.dataSync()[0];
            if (!Number.isFinite(ceValue)) return ceValue;
            optimizer.applyGradients(grads as Record<string, tf.Variable>);
            ceSum += ceValue;
            klSum += kl!.dataSync()[0];
            return ceValue;
          });
        } finally {
          tf.dispose([ce, kl].filter((v): v is tf.Scalar => v !== undefined));
        }
      },
      endEpoch: async (epoch, batches) => {
        const belowThreshold = vd.reduce((a, l) => a + tf.tidy(() => tf.sum(tf.less(logAlpha(l), 3)).dataSync()[0]), 0);
        const validation = data.validation;
        const validationError = validation && options.evalEvery > 0 && epoch % options.evalEvery === 0 ? await keptMeansError(input, vd, options.density, validation) : undefined;
        hooks.onEpoch?.({ epoch, epochs: options.epochs, loss: ceSum / batches, kl: klSum / batches / N, belowThreshold, ...(validationError === undefined ? {} : { validationError }) });
      },
    });
    return {
      tensors: vd.map((l) => ({ name: l.kernelName, shape: l.theta.shape, theta: l.theta.dataSync() as Float32Array, logAlpha: tf.tidy(() => logAlpha(l).dataSync() as Float32Array) })),
      biases: new Map(vd.filter((l) => l.bias).map((l) => [l.biasName!, l.bias!.dataSync() as Float32Array])),
    };
  } finally {
    optimizer.dispose();
    disposeLayers(chain?.vd ?? []);
    model.dispose();
  }
}
