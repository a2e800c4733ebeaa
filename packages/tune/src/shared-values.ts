import * as tf from '@tensorflow/tfjs';
import { nearestNonZeroCode, Rng, type ModelData, type QuantizedModel, type QuantizedTensor } from '@softshare/core';
import { makeBatch, takeFirst, type Dataset } from '@softshare/data';
import { freezeBatchNorm, fromModelData, inputShapesFor, inputTensors, resolveTask, toModelData } from '@softshare/models';
import { z } from 'zod';
import { ADAM, adamUpdate, runEpochs } from '@softshare/train';
import { maskSearchOptionsSchema, runMaskSearch, type MaskSearchHooks } from './mask-search.js';

/** Options of shared-value tuning; defaults and their origin are in the README. */
export const tuneOptionsSchema = z.strictObject({
  /** Passes over the training set (default: 2, our LeNet-300-100 check in docs/RESULTS.md; 0 skips tuning). */
  epochs: z.number().int().nonnegative().default(2),
  /** Adam learning rate for the shared values and the tensors outside the prior (default: 1e-4). */
  learningRate: z.number().positive().default(1e-4),
  /** Minibatch size (default: 128). */
  batchSize: z.number().int().min(1).default(128),
  /** Seed of the example order (default: 2). */
  seed: z.number().int().nonnegative().default(2),
  /** Use only the first N training examples (default: all). */
  trainLimit: z.number().int().positive().optional(),
  /**
   * Let non-zero weights move between shared values (default: false). Each keeps a float
   * shadow copy trained by the cross-entropy gradient of its shared value
   * (straight-through) and takes the nearest non-zero value of its tensor's codebook
   * after every step; zeros stay zero and the codebooks keep their size.
   */
  reassign: z.boolean().default(false),
  /** Adam learning rate of the shadow weights when `reassign` is on (default: 3e-4, our LeNet-5-Caffe check in docs/RESULTS.md). */
  weightLearningRate: z.number().positive().default(3e-4),
  /** Mask search before the tuning (which weights are non-zero; off by default): see `runMaskSearch`. */
  mask: maskSearchOptionsSchema.default(maskSearchOptionsSchema.parse({})),
});

export type TuneOptions = z.output<typeof tuneOptionsSchema>;
export type TuneOptionsInput = z.input<typeof tuneOptionsSchema>;

/** Adam over a float64 vector from entry `from` on (a codebook's caller passes 1 to freeze the exact zero). */
class VectorAdam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(n: number, private readonly lr: number) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  step(p: Float64Array, g: Float64Array, from: number): void {
    adamUpdate(p, g, this.m, this.v, ++this.t, this.lr, from);
  }
}

/** The shadow copies of a tensor's non-zero weights when tuning reassigns them. */
class ShadowWeights {
  /** Positions of the non-zero weights. */
  private readonly at: Uint32Array;
  private readonly w: Float64Array;
  private readonly g: Float64Array;
  private readonly adam: VectorAdam;
  constructor(codes: Uint8Array, codebook: ArrayLike<number>, lr: number) {
    this.at = Uint32Array.from(codes.keys()).filter((i) => codes[i] !== 0);
    this.w = Float64Array.from(this.at, (i) => codebook[codes[i]]);
    this.g = new Float64Array(this.at.length);
    this.adam = new VectorAdam(this.at.length, lr);
  }
  /** One Adam step on the shadow weights, then each takes the nearest non-zero value of `codebook`. */
  step(grad: ArrayLike<number>, codebook: Float64Array, codes: Uint8Array): void {
    for (let j = 0; j < this.at.length; j++) this.g[j] = grad[this.at[j]];
    this.adam.step(this.w, this.g, 0);
    for (let j = 0; j < this.at.length; j++) codes[this.at[j]] = nearestNonZeroCode(codebook, this.w[j]);
  }
}

/** One finished epoch of the tune stage: of the mask search (`mask`) or of the shared-value tuning (`shared`). */
export interface TuneEpoch {
  phase: 'mask' | 'shared';
  epoch: number;
  epochs: number;
  /** Mean training cross-entropy over the epoch's batches. */
  loss: number;
  /** Non-zero weights in the tensors under the prior. */
  nonZero: number;
}

/** Callbacks of the tune stage: the mask search's `isCancelled` and `onStep` cover both phases. */
export interface TuneHooks extends Pick<MaskSearchHooks, 'isCancelled' | 'onStep'> {
  /** After each epoch of the mask search and of the tuning. */
  onEpoch?: (e: TuneEpoch) => void;
  /** The model before retraining, for `mask.distill`. */
  teacher?: ModelData;
}

/**
 * Tune a quantised model without changing its structure: which weights are zero and
 * which weights share a value stay exactly as they are; the shared values themselves
 * (each tensor's codebook, zero excluded) and the tensors outside the prior (biases)
 * follow the cross-entropy gradient. The gradient of a shared value is the sum of the
 * gradients of the weights that use it. Repairs what snapping weights onto component
 * means cost, at no cost in bytes. With `reassign`, the non-zero weights may also move
 * to another shared value of their tensor (zeros still stay zero). With `mask.epochs`
 * > 0, a mask search (`runMaskSearch`) first chooses which weights are non-zero and
 * snaps them back onto the same codebooks (refitted ones with `mask.refit`); the tuning then starts from its result.
 * A new mask can leave weights unable to reach the output: compose the prune stage
 * (@softshare/prune) after tune to drop them.
 */
export async function runSharedTuning(start: QuantizedModel, dataset: Dataset, options: TuneOptions, hooks: TuneHooks = {}): Promise<QuantizedModel> {
  const data = options.trainLimit ? { ...dataset, train: takeFirst(dataset.train, options.trainLimit) } : dataset;
  const input = await runMaskSearch(start, data, options.mask, { ...options, teacher: hooks.teacher }, {
    isCancelled: hooks.isCancelled,
    onStep: hooks.onStep,
    onEpoch: (epoch, _model, stats) => hooks.onEpoch?.({ phase: 'mask', epoch, epochs: options.mask.epochs, ...stats }),
  });
  if (options.epochs === 0) return input;
  const model = await fromModelData(input);
  freezeBatchNorm(model);
  const optimizer = tf.train.adam(options.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  try {
    const shapes = inputShapesFor(model, data.train);
    const task = resolveTask(model, data.train, data.task, data.numClasses);
    const byName = new Map(input.quantized.map((q) => [q.name, q]));
    const vars = model.trainableWeights.map((w) => ({ variable: w.read() as tf.Variable, name: w.originalName ?? w.name, shape: [...w.shape] as number[] }));
    const shared = vars.filter((v) => byName.has(v.name)).map((v) => {
      const q = byName.get(v.name)!;
      const shadow = options.reassign && q.codebook.length > 1 ? new ShadowWeights(q.codes, q.codebook, options.weightLearningRate) : undefined;
      return { ...v, q, codes: shadow ? Uint8Array.from(q.codes) : q.codes, shadow, codebook: Float64Array.from(q.codebook), adam: new VectorAdam(q.codebook.length, options.learningRate), grad: new Float64Array(q.codebook.length), values: new Float32Array(q.codes.length) };
    });
    const others = vars.filter((v) => !byName.has(v.name));
    const nonZero = shared.reduce((a, t) => a + t.codes.reduce((c, code) => c + (code !== 0 ? 1 : 0), 0), 0);
    let lossSum = 0;
    await runEpochs({
      stage: 'tune',
      label: 'Tuning',
      epochs: options.epochs,
      count: data.train.count,
      batchSize: options.batchSize,
      rng: new Rng(options.seed),
      isCancelled: hooks.isCancelled,
      onStep: hooks.onStep,
      divergedHint: 'lower tune.learningRate',
      beginEpoch: () => {
        lossSum = 0;
      },
      batch: (indices) => {
        const batch = makeBatch(data.train, indices, task.classes);
        return tf.tidy(() => {
          const x = inputTensors(batch, shapes);
          const ys = task.targets(batch.ys, batch.size);
          const { value, grads } = tf.variableGrads(() => task.loss(x, ys, true), vars.map((v) => v.variable));
          const lossValue = value.dataSync()[0];
          if (!Number.isFinite(lossValue)) return lossValue;
          lossSum += lossValue;
          for (const t of shared) {
            const g = grads[t.variable.name].dataSync() as Float32Array;
            t.grad.fill(0);
            const codes = t.codes;
            for (let i = 0; i < codes.length; i++) t.grad[codes[i]] += g[i];
            t.adam.step(t.codebook, t.grad, 1);
            t.shadow?.step(g, t.codebook, codes);
            for (let i = 0; i < codes.length; i++) t.values[i] = codes[i] === 0 ? 0 : t.codebook[codes[i]];
            t.variable.assign(tf.tensor(t.values, t.shape));
          }
          if (others.length > 0) optimizer.applyGradients(others.map((o) => ({ name: o.variable.name, tensor: grads[o.variable.name] })));
          return lossValue;
        });
      },
      endEpoch: (epoch, batches) => hooks.onEpoch?.({ phase: 'shared', epoch, epochs: options.epochs, loss: lossSum / batches, nonZero }),
    });
    const out = toModelData(model);
    const quantized: QuantizedTensor[] = input.quantized.map((q) => {
      const t = shared.find((x) => x.name === q.name);
      return t ? { ...q, codes: t.codes, codebook: Float32Array.from(t.codebook, (v, k) => (k === 0 ? 0 : v)) } : q;
    });
    return { ...input, params: out.params, quantized };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
