import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, of } from 'rxjs';
import { fileIO, selectBackend, writeFileAtomic } from '@softshare/backend';
import { createProgressChannel } from '@softshare/core';
import { loadMnist } from '@softshare/data';
import { evaluate, fromModelData, toModelData } from '@softshare/models';
import { loadCheckpoint, saveCheckpoint } from '@softshare/retrain';
import { helpText, intFlag, parseCommand, type CommandSpec } from '../args.js';
import type { Io } from '../io.js';
import { loadLayersModelFile } from '../load-model.js';
import { loadPipelineConfig, softWeightSharing } from '../pipeline.js';
import { sparsitySummary } from '../summary.js';

export const retrainSpec: CommandSpec = {
  name: 'retrain',
  summary: 'Retrain a model under the mixture prior, merge, quantise; writes the quantised model.json + summary.json.',
  usage: 'softshare retrain --model <model.json> --data <mnist|folder> --out <dir> [--config <json>] [--resume <checkpoint>]',
  options: {
    model: { type: 'string', required: true, description: 'pretrained tfjs layers model.json' },
    data: { type: 'string', default: 'mnist', description: "'mnist' or a folder with the four IDX files" },
    out: { type: 'string', required: true, description: 'output directory (model.json, weights.bin, summary.json, checkpoint.*)' },
    config: { type: 'string', default: 'the stages’ defaults', description: 'JSON file: { retrain: {...}, merge: {...}, quantize: {...} }' },
    resume: { type: 'string', description: 'continue from a checkpoint.json written by an earlier run' },
    epochs: { type: 'string', default: 'config, else 30', description: 'override retrain.epochs' },
    tau: { type: 'string', default: 'config, else 0.005', description: 'override retrain.tau' },
    backend: { type: 'string', default: 'auto: node, else wasm, else cpu', description: 'tfjs backend: node, wasm or cpu' },
    json: { type: 'boolean', description: 'print JSON lines (epoch events, then the result)' },
  },
};

export async function retrainCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(retrainSpec, argv);
  if (values.help) return io.out(helpText(retrainSpec)), 0;
  const overrides: Record<string, unknown> = {};
  if (values.epochs !== undefined) overrides.epochs = intFlag('epochs', values.epochs, 30);
  if (values.tau !== undefined) overrides.tau = Number(values.tau);
  const config = loadPipelineConfig(values.config as string | undefined, overrides);
  const backend = await selectBackend({ backend: values.backend as string | undefined });
  const data = loadMnist((values.data as string | undefined) ?? 'mnist');
  const model = await loadLayersModelFile(values.model as string);
  const before = evaluate(model, data.test).error;
  const input = toModelData(model);
  model.dispose();
  const out = values.out as string;
  const resumeFrom = values.resume ? loadCheckpoint(values.resume as string) : undefined;
  const progress = createProgressChannel();
  const history: Record<string, number>[] = [];
  progress.events$.subscribe((e) => {
    if (e.unit !== 'epoch') return;
    const row = { epoch: e.current, ...e.values };
    history.push(row);
    if (values.json) io.out(JSON.stringify({ event: 'epoch', ...row }) + '\n');
    else io.err(`epoch ${e.current}/${e.total}  CE ${e.values!.errorLoss.toFixed(4)}  complexity ${e.values!.complexityLoss.toFixed(4)}  test error ${(e.values!.testError * 100).toFixed(2)}%  zero ${(e.values!.zeroShare * 100).toFixed(2)}%  ${e.values!.seconds.toFixed(1)} s\n`);
  });
  const t0 = performance.now();
  const quantized = await lastValueFrom(
    of(input).pipe(softWeightSharing(data, config, { progress, resumeFrom, onCheckpoint: (s) => void saveCheckpoint(out, s) })),
  );
  const seconds = (performance.now() - t0) / 1000;
  const result = await fromModelData(quantized);
  const after = evaluate(result, data.test).error;
  await result.save(fileIO(out));
  result.dispose();
  const sparsity = sparsitySummary(quantized);
  const summary = {
    model: values.model,
    out,
    backend: backend.name,
    tfjs: tf.version.tfjs,
    error_before: before,
    error_after: after,
    nonzero_fraction: sparsity.nonzero_fraction,
    weights_under_prior: sparsity.weights,
    layers: sparsity.layers,
    components_after_merge: quantized.mixture.means.length,
    prior_tensors: config.retrain.prior.tensors,
    seconds: +seconds.toFixed(1),
    config,
    history,
    diagnostics: quantized.diagnostics,
  };
  writeFileAtomic(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (values.json) io.out(JSON.stringify({ event: 'result', ...summary, history: undefined, config: undefined, diagnostics: undefined }) + '\n');
  else io.out(`error ${(before * 100).toFixed(2)}% -> ${(after * 100).toFixed(2)}%, non-zero ${(sparsity.nonzero_fraction * 100).toFixed(2)}% of ${sparsity.weights} weights (${config.retrain.prior.tensors} under the prior), ${seconds.toFixed(0)} s on ${backend.name}; wrote ${out}\n`);
  return 0;
}
