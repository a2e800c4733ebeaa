import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '@softshare/data';
import { LOSS_NAMES, METRIC_NAMES, resolveTask, type LossName, type MetricName, type OutputTask } from '@softshare/models';
import { UsageError } from './args.js';
import { trainingTaskOf } from './load-model.js';

/** The flags that say how a model's outputs are trained and measured: every command that reads --data and a model takes them. */
export const taskOptions = {
  loss: {
    type: 'string' as const,
    default: "the model.json's training config, else categorical-crossentropy for classes and mse for values",
    description: `${LOSS_NAMES.join(' | ')}; one per output, comma-separated, for a multi-output model`,
  },
  'loss-weights': { type: 'string' as const, default: '1 per output', description: "each output's share of the training loss, comma-separated" },
  metric: { type: 'string' as const, default: 'error for the cross-entropies, else the loss (mse or mae)', description: `${METRIC_NAMES.join(' | ')}, one per output, comma-separated` },
  output: { type: 'string' as const, default: "read from the output layer's activation", description: 'probabilities | logits: what a cross-entropy output gives, one per output, comma-separated' },
};

function list(name: string, v: string | boolean | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const xs = String(v).split(',').map((t) => t.trim());
  if (xs.some((x) => x === '')) throw new UsageError(`Expected --${name} to be one value or comma-separated values, got '${String(v)}'`);
  return xs;
}

/** The task the flags ask for, one entry per output (undefined when no task flag is given). */
export function taskFlags(values: Record<string, string | boolean | undefined>): OutputTask[] | undefined {
  const loss = list('loss', values.loss);
  const weights = list('loss-weights', values['loss-weights']);
  const metric = list('metric', values.metric);
  const output = list('output', values.output);
  if (!loss && !weights && !metric && !output) return undefined;
  for (const l of loss ?? []) if (!(LOSS_NAMES as readonly string[]).includes(l)) throw new UsageError(`Expected --loss to be one of ${LOSS_NAMES.join(', ')}, got '${l}'`);
  for (const m of metric ?? []) if (!(METRIC_NAMES as readonly string[]).includes(m)) throw new UsageError(`Expected --metric to be one of ${METRIC_NAMES.join(', ')}, got '${m}'`);
  for (const o of output ?? []) if (o !== 'probabilities' && o !== 'logits') throw new UsageError(`Expected --output to be probabilities or logits, got '${o}'`);
  const w = (weights ?? []).map(Number);
  if (w.some((x) => !(Number.isFinite(x) && x >= 0))) throw new UsageError(`Expected --loss-weights to be non-negative numbers, got '${String(values['loss-weights'])}'`);
  const n = Math.max(loss?.length ?? 0, w.length, metric?.length ?? 0, output?.length ?? 0);
  const at = <T>(xs: readonly T[] | undefined, k: number): T | undefined => (xs === undefined ? undefined : xs.length === 1 ? xs[0] : xs[k]);
  for (const [name, xs] of [['loss', loss], ['loss-weights', weights], ['metric', metric], ['output', output]] as const) {
    if (xs && xs.length !== 1 && xs.length !== n) throw new UsageError(`Expected --${name} to give one value, or one per output (${n}), got ${xs.length}`);
  }
  return Array.from({ length: n }, (_, k) => {
    const l = at(loss, k) as LossName | undefined;
    const m = at(metric, k) as MetricName | undefined;
    const o = at(output, k) as 'probabilities' | 'logits' | undefined;
    const wk = weights ? w[w.length === 1 ? 0 : k] : undefined;
    return { ...(l ? { loss: l } : {}), ...(m ? { metric: m } : {}), ...(o ? { output: o } : {}), ...(wk === undefined ? {} : { weight: wk }) };
  });
}

/**
 * The data with its task: the flags', else the model.json's training config, else none
 * (resolveTask's defaults from the targets). One task entry for a multi-output model
 * stands for every output.
 */
export function withTask(data: Dataset, values: Record<string, string | boolean | undefined>, model: tf.LayersModel): Dataset {
  const flags = taskFlags(values);
  const task = flags ? (flags.length === 1 ? flags[0] : flags) : trainingTaskOf(model);
  return task === undefined ? data : { ...data, task };
}

/** Each output's loss, metric and weight as the data's task resolves on the model: what summaries record and model.json's training config gets. */
export function taskSummary(model: tf.LayersModel, data: Dataset): { output: string; loss: string; metric: string; weight: number }[] {
  return resolveTask(model, data.test, data.task).outputs.map((o) => ({ output: o.name, loss: o.loss, metric: o.metric, weight: o.weight }));
}
