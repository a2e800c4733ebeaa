import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ensureWritableDir, selectBackend, writeFileAtomic } from '@softshare/backend';
import { evaluate, pretrain } from '@softshare/models';
import { formatMetric, metricLabel } from '../metric.js';
import { saveModel } from '../save-model.js';
import { taskOptions, taskSummary, withTask } from '../task-flags.js';
import { helpText, intFlag, numberFlag, parseCommand, type CommandSpec } from '../args.js';
import { takeFirst } from '@softshare/data';
import { dataOptions, loadTrainingData } from '../load-data.js';
import { modelFromArg } from '../load-model.js';
import type { Io } from '../io.js';

export const pretrainSpec: CommandSpec = {
  name: 'pretrain',
  summary: 'Train a network on --data (its task: --loss, the model.json training config, or cross-entropy for classes and MSE for values) with Adam and per-epoch learning-rate decay; writes model.json + weights.bin.',
  usage: 'softshare pretrain --model <lenet-300-100|lenet-5-caffe|model.json> --data <mnist|folder> --out <dir> [--epochs N] [--seed S]',
  options: {
    model: { type: 'string', required: true, description: 'a shipped architecture name (fresh weights) or an untrained model.json' },
    ...dataOptions,
    ...taskOptions,
    out: { type: 'string', required: true, description: 'output directory' },
    epochs: { type: 'string', default: '20', description: 'passes over the training set' },
    seed: { type: 'string', default: '1', description: 'seed of the initial weights and the example order' },
    'batch-size': { type: 'string', default: '128', description: 'minibatch size' },
    lr: { type: 'string', default: '0.001', description: 'Adam learning rate of the first epoch' },
    'lr-decay': { type: 'string', default: '0.85', description: 'learning-rate factor per epoch' },
    'train-limit': { type: 'string', default: 'all', description: 'use only the first N training examples (for quick checks)' },
    backend: { type: 'string', default: 'auto: node, else wasm, else cpu', description: 'tfjs backend: node, wasm or cpu' },
    json: { type: 'boolean', description: 'print JSON lines (one per epoch, then the result)' },
  },
};

export async function pretrainCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(pretrainSpec, argv);
  if (values.help) return io.out(helpText(pretrainSpec)), 0;
  const epochs = intFlag('epochs', values.epochs, 20);
  const seed = intFlag('seed', values.seed, 1, 0);
  const batchSize = intFlag('batch-size', values['batch-size'], 128);
  const learningRate = numberFlag('lr', values.lr, 1e-3);
  const lrDecay = numberFlag('lr-decay', values['lr-decay'], 0.85);
  const trainLimit = values['train-limit'] === undefined ? undefined : intFlag('train-limit', values['train-limit'], 1);
  ensureWritableDir(values.out as string); // fail before training, not after
  const backend = await selectBackend({ backend: values.backend as string | undefined });
  const loaded = loadTrainingData(values);
  const model = await modelFromArg(values.model as string, seed);
  const full = withTask(loaded, values, model);
  const data = trainLimit === undefined ? full : { ...full, train: takeFirst(full.train, trainLimit) };
  const task = taskSummary(model, data);
  const metric = task[0].metric;
  const before = evaluate(model, data.test, { task: data.task }).error;
  const t0 = performance.now();
  const history = await pretrain(model, data, {
    epochs,
    batchSize,
    learningRate,
    lrDecay,
    seed,
    onEpoch: (e) => {
      if (values.json) io.out(JSON.stringify({ event: 'epoch', ...e }) + '\n');
      else io.err(`epoch ${e.epoch}/${e.epochs}  loss ${e.loss.toFixed(4)}${e.validationError === undefined ? '' : `  validation ${metricLabel(metric)} ${formatMetric(e.validationError, metric)}`}  ${e.seconds.toFixed(1)} s\n`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const out = values.out as string;
  const after = evaluate(model, data.test, { task: data.task });
  await saveModel(model, out, data.task === undefined ? undefined : task);
  const result = {
    model: values.model,
    out,
    backend: backend.name,
    epochs,
    seed,
    batch_size: batchSize,
    learning_rate: learningRate,
    lr_decay: lrDecay,
    train_samples: data.train.count,
    metric,
    task,
    error_before: before,
    validation_samples: data.validation?.count ?? 0,
    validation_error: history[history.length - 1].validationError,
    error: after.error,
    ...(after.outputs.length > 1 ? { outputs: after.outputs } : {}),
    seconds: +seconds.toFixed(1),
    seconds_per_epoch: history.map((h) => +h.seconds.toFixed(2)),
    tfjs: tf.version.tfjs,
  };
  writeFileAtomic(join(out, 'pretrain.json'), JSON.stringify(result, null, 2) + '\n');
  if (values.json) io.out(JSON.stringify({ event: 'result', ...result }) + '\n');
  else io.out(`test ${after.outputs.map((o) => `${after.outputs.length > 1 ? `${o.name} ` : ''}${metricLabel(o.metric)} ${formatMetric(o.value, o.metric)}`).join(', ')} after ${epochs} epochs (${seconds.toFixed(0)} s on ${backend.name}); wrote ${out}/model.json\n`);
  return 0;
}
