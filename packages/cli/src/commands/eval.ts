import { selectBackend } from '@softshare/backend';
import { loadData, withPreprocessing, type Preprocessing } from '@softshare/data';
import { dataOptions, preprocessingFlags, preprocessingOptions } from '../load-data.js';
import { evaluate } from '@softshare/models';
import { helpText, parseCommand, type CommandSpec } from '../args.js';
import { loadModelFile } from '../load-model.js';
import type { Io } from '../io.js';

export const evalSpec: CommandSpec = {
  name: 'eval',
  summary: 'Test error of a tfjs layers model on the test split of --data, preprocessed as a .sws file records (else uint8 / 255, floats as they are, or the --input-* flags).',
  usage: 'softshare eval --model <model.json|file.sws> --data <mnist|folder> [--json]',
  options: {
    model: { type: 'string', required: true, description: 'a tfjs layers model.json or a .sws file' },
    data: dataOptions.data,
    ...preprocessingOptions,
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
  const data = preprocessing ? withPreprocessing(loaded, preprocessing) : loaded;
  const t0 = performance.now();
  const result = evaluate(model, data.test);
  const seconds = (performance.now() - t0) / 1000;
  if (values.json) {
    io.out(JSON.stringify({ error: result.error, errors: result.errors, samples: result.samples, backend: backend.name, seconds: +seconds.toFixed(3), model: values.model }) + '\n');
  } else {
    io.out(`test error ${(result.error * 100).toFixed(2)}% (${result.errors}/${result.samples}) on ${backend.name} in ${seconds.toFixed(2)} s\n`);
  }
  return 0;
}
