import * as tf from '@tensorflow/tfjs';
import { fitCodebook, Rng, SoftshareError, type ModelData, type QuantizedModel, type QuantizedTensor } from '@softshare/core';
import { makeBatch, shiftBatch, type Dataset } from '@softshare/data';
import { crossEntropy, freezeBatchNorm, fromModelData, inputShapesFor, inputTensors, logitsFn, resolveTask, toModelData } from '@softshare/models';
import { z } from 'zod';
import { adamUpdate, runEpochs } from '@softshare/train';

/** Options of the mask search that may run before shared-value tuning; defaults and their origin are in the README. */
export const maskSearchOptionsSchema = z.strictObject({
  /** Passes over the training set (default: 0, no mask search). */
  epochs: z.number().int().nonnegative().default(0),
  /** Adam learning rate of the non-zero weights and the tensors outside the prior (default: 1e-3, our LeNet-5-Caffe check in docs/RESULTS.md). */
  learningRate: z.number().positive().default(1e-3),
  /** Largest share of each tensor's non-zeros that moves at one mask update; it decays as a cosine to 0 (default: 0.3, RigL's, as the README says). */
  regrow: z.number().min(0).max(1).default(0.3),
  /** Steps between mask updates (default: 100, RigL's). */
  every: z.number().int().positive().default(100),
  /** Share of the run, from its start, during which the mask moves (default: 0.75, as RigL). */
  until: z.number().gt(0).max(1).default(0.75),
  /**
   * Non-zero share (over every tensor under the prior) to shrink to while the mask moves;
   * each tensor keeps its proportion of the start's non-zeros (default: keep the start's
   * count).
   */
  density: z.number().gt(0).max(1).optional(),
  /**
   * Non-zero share of named tensors (tensor name -> share of that tensor's own weights) to
   * move to while the mask moves, growing or shrinking on the same cubic schedule; it
   * overrides `density` for the tensors it names (default: none).
   */
  tensorDensity: z.record(z.string(), z.number().gt(0).max(1)).optional(),
  /** Learning-rate schedule over the search: constant, or a cosine decay to 0 (default: constant). */
  schedule: z.enum(['constant', 'cosine']).default('constant'),
  /**
   * Weight of distillation from the model before retraining (default: 0, off): the loss
   * is (1 - distill) * cross-entropy + distill * T^2 * cross-entropy against the
   * teacher's softmax at temperature T (Hinton et al. 2015).
   */
  distill: z.number().min(0).max(1).default(0),
  /** Distillation temperature T (default: 4). */
  temperature: z.number().positive().default(4),
  /**
   * Data augmentation: each training image moves by up to this many whole pixels in x and
   * y (drawn per image from its own seeded generator, so the batch order is the same as
   * without it); default: 0, off.
   */
  shift: z.number().int().min(0).max(4).default(0),
  /**
   * Refit each codebook to the searched floats before snapping: Lloyd's 1-D k-means over
   * the non-zeros, started from the codebook, with the same number of values (0 stays
   * code 0). Default: false (the retraining's codebooks are kept).
   */
  refit: z.boolean().default(false),
});

export type MaskSearchOptions = z.output<typeof maskSearchOptionsSchema>;

/** A tensor trained by float64 Adam outside tfjs (the sparse ones and the biases). */
interface DenseTensor {
  variable: tf.Variable;
  shape: number[];
  w: Float64Array;
  m: Float64Array;
  v: Float64Array;
  values: Float32Array;
}

interface SparseTensor extends DenseTensor {
  q: QuantizedTensor;
  /** 1 where the weight is non-zero. */
  live: Uint8Array;
  g: Float64Array;
  /** Non-zero count at the start and at the end of the search. */
  start: number;
  end: number;
}

/** Indices 0..n-1 sorted by `key` ascending, ties by index, over the entries with live[i] === want. */
function sortedWhere(live: Uint8Array, want: number, key: (i: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < live.length; i++) if (live[i] === want) out.push(i);
  return out.sort((a, b) => key(a) - key(b) || a - b);
}

/**
 * One mask update of a tensor: the `move` zeros with the largest gradient magnitude, plus
 * (target - live count) if that is positive (or every zero, if fewer), come back at 0
 * with fresh Adam moments, and the non-zeros of smallest magnitude drop to 0, as many as
 * leaves the tensor at the target (the update RigL makes, with a moving count).
 */
function moveMask(s: SparseTensor, grad: ArrayLike<number>, move: number, target: number): void {
  const live = sortedWhere(s.live, 1, (i) => Math.abs(s.w[i]));
  const dead = sortedWhere(s.live, 0, (i) => -Math.abs(grad[i]));
  const extra = target - live.length;
  const grow = dead.slice(0, move + Math.max(0, extra));
  const drop = live.slice(0, Math.min(live.length, Math.max(0, grow.length - extra)));
  for (const i of drop) s.live[i] = 0;
  for (const i of grow) s.live[i] = 1;
  for (const i of [...drop, ...grow]) s.w[i] = s.m[i] = s.v[i] = 0;
}

/** Callbacks of a mask search. */
export interface MaskSearchHooks {
  /** Polled before each batch; true stops the search with E_CANCELLED. */
  isCancelled?: () => boolean;
  /** After each batch: batches done in this epoch, batches per epoch. */
  onStep?: (step: number, steps: number) => void;
  /**
   * After each epoch, with the model holding the float weights of the search (to evaluate; do not change or dispose it),
   * the mean training cross-entropy of the epoch's batches (shifted ones with `shift`) and the non-zero count of the tensors searched.
   */
  onEpoch?: (epoch: number, model: tf.LayersModel, stats: { loss: number; nonZero: number }) => void | Promise<void>;
}

/**
 * Search for a better set of non-zero weights for a quantised model, then quantise it
 * back onto the same codebooks (or, with `refit`, onto codebooks refitted to the floats).
 * The non-zeros of each tensor under the prior train as free floats on the cross-entropy (zeros held at 0; biases train too); every `every`
 * steps during the first `until` of the run, a share regrow/2 (1 + cos(pi t / T)) of
 * each tensor's smallest non-zeros drops to 0 and as many zeros with the largest
 * gradient magnitude start training from 0, and with `density` or `tensorDensity` each
 * tensor's count also moves to its target on a cubic schedule. At the end every non-zero takes the nearest non-zero
 * value of its tensor's codebook (after `refit`'s Lloyd iterations when asked); tensors
 * whose codebook holds only 0 stay all zero.
 * Deterministic for a given seed.
 */
export async function runMaskSearch(input: QuantizedModel, data: Dataset, options: MaskSearchOptions, run: { batchSize: number; seed: number; teacher?: ModelData }, hooks: MaskSearchHooks = {}): Promise<QuantizedModel> {
  if (options.epochs === 0) return input;
  if (options.distill > 0 && !run.teacher) throw new SoftshareError('E_OPTIONS', 'tune', 'tune.mask.distill needs the model before retraining as the teacher; none was given');
  const model = await fromModelData(input);
  freezeBatchNorm(model);
  const teacher = options.distill > 0 ? await fromModelData(run.teacher!) : undefined;
  if (teacher) freezeBatchNorm(teacher);
  try {
    const shapes = inputShapesFor(model, data.train);
    const task = resolveTask(model, data.train, data.task, data.numClasses);
    if (teacher && !(task.outputs.length === 1 && task.outputs[0].classes > 0 && task.outputs[0].loss.endsWith('categorical-crossentropy'))) {
      throw new SoftshareError('E_OPTIONS', 'tune', 'tune.mask.distill distils class probabilities: it needs a classifier with one output trained by cross-entropy; set distill to 0 for this task');
    }
    const forward = teacher ? logitsFn(model) : undefined;
    const byName = new Map(input.quantized.map((q) => [q.name, q]));
    const vars = model.trainableWeights.map((w) => ({ variable: w.read() as tf.Variable, name: w.originalName ?? w.name, shape: [...w.shape] as number[] }));
    const sparse: SparseTensor[] = vars.filter((v) => (byName.get(v.name)?.codebook.length ?? 0) > 1).map((v) => {
      const q = byName.get(v.name)!;
      const n = q.codes.length;
      const live = Uint8Array.from(q.codes, (c) => (c !== 0 ? 1 : 0));
      const start = live.reduce((a, b) => a + b, 0);
      return { variable: v.variable, shape: v.shape, q, live, start, end: start, w: Float64Array.from(q.codes, (c) => q.codebook[c]), g: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n), values: new Float32Array(n) };
    });
    if (options.density !== undefined) {
      const total = input.quantized.reduce((a, q) => a + q.codes.length, 0);
      const startShare = sparse.reduce((a, s) => a + s.start, 0) / total;
      if (startShare > 0) for (const s of sparse) s.end = Math.min(s.q.codes.length, Math.round((s.start * options.density) / startShare));
    }
    for (const [name, share] of Object.entries(options.tensorDensity ?? {})) {
      const s = sparse.find((x) => x.q.name === name);
      if (!s) throw new SoftshareError('E_OPTIONS', 'tune', `tune.mask.tensorDensity names "${name}", which is not a quantised tensor with non-zero values (${sparse.map((x) => x.q.name).join(', ')})`);
      s.end = Math.max(1, Math.round(share * s.q.codes.length));
    }
    const others: DenseTensor[] = vars.filter((v) => !byName.has(v.name)).map((v) => {
      const w = Float64Array.from(v.variable.dataSync());
      return { variable: v.variable, shape: v.shape, w, m: new Float64Array(w.length), v: new Float64Array(w.length), values: new Float32Array(w.length) };
    });
    const teach = teacher ? logitsFn(teacher) : undefined;
    const T2 = options.temperature ** 2;
    const loss = (x: tf.Tensor | tf.Tensor[], ys: tf.Tensor[], soft: tf.Tensor | undefined): tf.Scalar => {
      if (!soft || !forward) return task.loss(x, ys, true);
      const logits = forward(x, true);
      const hard = crossEntropy(logits, ys[0]);
      return tf.add(tf.mul(hard, 1 - options.distill), tf.mul(crossEntropy(tf.div(logits, options.temperature), soft), options.distill * T2));
    };
    const shiftRng = new Rng((run.seed ^ 0x5bd1e995) >>> 0);
    const [height, width, channels = 1] = data.train.shape;
    if (options.shift > 0 && (data.train.shape.length < 2 || data.train.shape.length > 3 || channels !== 1)) {
      throw new SoftshareError('E_OPTIONS', 'tune', `tune.mask.shift translates single-channel images of shape [h, w] or [h, w, 1]; these examples have shape [${data.train.shape.join(', ')}]`);
    }
    const N = data.train.count;
    const perEpoch = Math.ceil(N / run.batchSize);
    const steps = options.epochs * perEpoch;
    const T = Math.max(1, Math.floor(options.until * steps));
    let lossSum = 0;
    await runEpochs({
      stage: 'tune',
      label: 'Mask search',
      epochs: options.epochs,
      count: N,
      batchSize: run.batchSize,
      rng: new Rng(run.seed),
      isCancelled: hooks.isCancelled,
      onStep: hooks.onStep,
      divergedHint: 'lower tune.mask.learningRate',
      beginEpoch: () => {
        lossSum = 0;
      },
      batch: (indices, at) => {
        const batch = shiftBatch(makeBatch(data.train, indices, task.classes), height, width, options.shift, shiftRng);
        const t = at.global + 1;
        const update = t % options.every === 0 && t <= T;
        const share = update ? (options.regrow / 2) * (1 + Math.cos((Math.PI * t) / T)) : 0;
        const left = (1 - t / T) ** 3;
        const lr = options.schedule === 'cosine' ? (options.learningRate / 2) * (1 + Math.cos((Math.PI * (t - 1)) / steps)) : options.learningRate;
        return tf.tidy(() => {
          const x = inputTensors(batch, shapes);
          const ys = task.targets(batch.ys, batch.size);
          const soft = teach ? tf.softmax(tf.div(teach(x, false), options.temperature)) : undefined;
          const { value, grads } = tf.variableGrads(() => loss(x, ys, soft), vars.map((v) => v.variable));
          const lossValue = value.dataSync()[0];
          if (!Number.isFinite(lossValue)) return lossValue;
          lossSum += lossValue;
          for (const s of sparse) {
            const g = grads[s.variable.name].dataSync() as Float32Array;
            for (let i = 0; i < g.length; i++) s.g[i] = s.live[i] ? g[i] : 0;
            adamUpdate(s.w, s.g, s.m, s.v, t, lr);
            if (update) moveMask(s, g, Math.floor(share * s.start), Math.round(s.end + (s.start - s.end) * left));
            for (let i = 0; i < s.w.length; i++) s.values[i] = s.live[i] ? s.w[i] : 0;
            s.variable.assign(tf.tensor(s.values, s.shape));
          }
          for (const o of others) {
            adamUpdate(o.w, grads[o.variable.name].dataSync() as Float32Array, o.m, o.v, t, lr);
            o.values.set(o.w);
            o.variable.assign(tf.tensor(o.values, o.shape));
          }
          return lossValue;
        });
      },
      endEpoch: async (epoch, batches) => {
        const nonZero = sparse.reduce((a, s) => a + s.live.reduce((c, l) => c + l, 0), 0);
        await hooks.onEpoch?.(epoch, model, { loss: lossSum / batches, nonZero });
      },
    });
    const snapped = new Map(sparse.map((s) => [s.q.name, snap(s, options.refit)]));
    const quantized = input.quantized.map((q) => ({ ...q, ...snapped.get(q.name) }));
    const params = toModelData(model).params.map((p) => {
      const q = quantized.find((x) => x.name === p.name);
      return q ? { ...p, values: Float32Array.from(q.codes, (c) => (c === 0 ? 0 : q.codebook[c])) } : p;
    });
    return { ...input, params, quantized };
  } finally {
    teacher?.dispose();
    model.dispose();
  }
}

/** Codes (and codebook) of a tensor after the search (see `fitCodebook`; `refit` runs Lloyd's iterations on a copy of the codebook). */
function snap(s: SparseTensor, refit: boolean): { codes: Uint8Array; codebook: Float32Array } {
  return fitCodebook(s.w, s.live, refit ? Float32Array.from(s.q.codebook) : s.q.codebook, refit ? 100 : 0);
}
