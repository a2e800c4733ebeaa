import * as tf from '@tensorflow/tfjs';
import { Rng } from '@softshare/core';
import { makeBatch, type Dataset } from '@softshare/data';
import { runEpochs } from '@softshare/train';
import { evaluate, inputShapesFor, inputTensors } from './evaluate.js';
import { resolveTask } from './task.js';

export interface PretrainOptions {
  /** Passes over the training set (default: 20). */
  readonly epochs?: number;
  /** Minibatch size (default: 128). */
  readonly batchSize?: number;
  /** Adam learning rate of the first epoch (default: 1e-3, PAPER.md's pretraining rate). */
  readonly learningRate?: number;
  /** Multiply the learning rate by this after each epoch (default: 0.85; constant lr plateaus, STACK.md). */
  readonly lrDecay?: number;
  /** Seed of the example order (default: 1). */
  readonly seed?: number;
  /** Called after each epoch. */
  readonly onEpoch?: (e: PretrainEpoch) => void;
  /** Stop between batches when aborted. */
  readonly signal?: AbortSignal;
}

export interface PretrainEpoch {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  /** The task's metric (error for a classifier) on the data's validation split; absent without one (the test split is not looked at). */
  readonly validationError?: number;
  readonly seconds: number;
  readonly learningRate: number;
}

/**
 * Train a model (a classifier, a regressor, several outputs: its task, `resolveTask`) from its current weights with Adam and per-epoch learning-rate
 * decay, in a custom loop (model.fit is ~1.4x slower, STACK.md). Deterministic for a
 * given seed and backend.
 *
 * @example
 * const history = await pretrain(lenet300100(1), loadMnist(), { epochs: 20 });
 */
export async function pretrain(model: tf.LayersModel, data: Dataset, options: PretrainOptions = {}): Promise<PretrainEpoch[]> {
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 128;
  const lr0 = options.learningRate ?? 1e-3;
  const decay = options.lrDecay ?? 0.85;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new TypeError(`Expected epochs to be a positive integer, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new TypeError(`Expected batchSize to be a positive integer, got ${batchSize}`);
  const shapes = inputShapesFor(model, data.train);
  const task = resolveTask(model, data.train, data.task, data.numClasses);
  const rng = new Rng(options.seed ?? 1);
  const optimizer = tf.train.adam(lr0, 0.9, 0.999, 1e-8);
  const history: PretrainEpoch[] = [];
  try {
    let lr = lr0;
    let t0 = 0;
    let lossSum = 0;
    let seen = 0;
    await runEpochs({
      stage: 'pretrain',
      label: 'Pretraining',
      epochs,
      count: data.train.count,
      batchSize,
      rng,
      isCancelled: () => options.signal?.aborted ?? false,
      divergedHint: 'lower the learning rate',
      beginEpoch: (epoch) => {
        lr = lr0 * decay ** epoch;
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        t0 = performance.now();
        lossSum = 0;
        seen = 0;
      },
      batch: (idx) => {
        const batch = makeBatch(data.train, idx, task.classes);
        const loss = tf.tidy(() => {
          const x = inputTensors(batch, shapes);
          const ys = task.targets(batch.ys, batch.size);
          const cost = optimizer.minimize(() => task.loss(x, ys, true), true);
          return cost!.dataSync()[0];
        });
        lossSum += loss * batch.size;
        seen += batch.size;
        return loss;
      },
      endEpoch: (epoch) => {
        const seconds = (performance.now() - t0) / 1000;
        const validationError = data.validation ? evaluate(model, data.validation, { task: data.task }).error : undefined;
        const record: PretrainEpoch = { epoch, epochs, loss: lossSum / seen, ...(validationError === undefined ? {} : { validationError }), seconds, learningRate: lr };
        history.push(record);
        options.onEpoch?.(record);
      },
    });
  } finally {
    optimizer.dispose();
  }
  return history;
}
