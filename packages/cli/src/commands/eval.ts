import { selectBackend } from '@softshare/backend';
import { loadData, withPreprocessing, type Preprocessing } from '@softshare/data';
import { dataOptions, preprocessingFlags, preprocessingOptions } from '../load-data.js';
import { evaluate } from '@softshare/models';
import { helpText, parseCommand, type CommandSpec } from '../args.js';
import { loadModelFile } from '../load-model.js';
import { formatMetric, metricLabel } from '../metric.js';
import { taskOptions, withTask } from '../task-flags.js';
import type { Io } from '../io.js';

export const evalSpec: CommandSpec = {
  name: 'eval',
  summary: "Test metric of a tfjs layers model on the test split of --data (error for a classifier, MSE / MAE for regression, every output of a multi-output model; --loss / --metric, else the model.json's training config), preprocessed as a .sws file records (else uint8 / 255, floats as they are, or the --input-* flags).",
  usage: 'softshare eval --model <model.json|file.sws> --data <mnist|folder> [--json]',
  options: {
    model: { type: 'string', required: true, description: 'a tfjs layers model.json or a .sws file' },
    data: dataOptions.data,
    ...preprocessingOptions,
    ...taskOptions,
    backend: { type: 'string', default: 'auto: node, else wasm, else cpu', description: 'tfjs backend: node, wasm or cpu' },
    json: { type: 'boolean', description: 'print one JSON line' },
  },
};

export async function evalCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(evalSpec, argv);
  if (values.help) return io.out(helpText(evalSpec)), 0;
  const backend = await selectBackend({ backend: values.backend as string | undefined });
  const model = await loadModelFile(values.model as string);
  // what the inputs went through in training: the flags, else what a .sws file recorded, else the loader's default
  const recorded = (model.getUserDefinedMetadata() as { softshare?: { preprocessing?: Preprocessing } } | undefined)?.softshare?.preprocessing;
  const preprocessing = preprocessingFlags(values) ?? recorded;
  const loaded = loadData((values.data as string | undefined) ?? 'mnist');
  const data = withTask(preprocessing ? withPreprocessing(loaded, preprocessing) : loaded, values, model);
  const t0 = performance.now();
  const result = evaluate(model, data.test, { task: data.task });
  const seconds = (performance.now() - t0) / 1000;
  if (values.json) {
    io.out(JSON.stringify({ metric: result.metric, error: result.error, errors: result.errors, samples: result.samples, ...(result.outputs.length > 1 ? { outputs: result.outputs } : {}), backend: backend.name, seconds: +seconds.toFixed(3), model: values.model }) + '\n');
  } else {
    const what = result.outputs.length > 1 ? result.outputs.map((o) => `${o.name} ${metricLabel(o.metric)} ${formatMetric(o.value, o.metric)}`).join(', ') : `${metricLabel(result.metric)} ${formatMetric(result.error, result.metric)}${result.errors === undefined ? '' : ` (${result.errors}/${result.samples})`}`;
    io.out(`test ${what}${result.errors === undefined || result.outputs.length > 1 ? ` on ${result.samples} examples` : ''} on ${backend.name} in ${seconds.toFixed(2)} s\n`);
  }
  return 0;
}
