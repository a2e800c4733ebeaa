import { fileIO } from '@softshare/backend';
import { foldBatchNormalization, swsToArtifacts } from '@softshare/format';
import { helpText, parseCommand, UsageError, type CommandSpec } from '../args.js';
import type { Io } from '../io.js';
import { readInput } from '../load-model.js';

export const decompressSpec: CommandSpec = {
  name: 'decompress',
  summary: 'Decode a .sws file into tfjs layers files (model.json + weights.bin).',
  usage: 'softshare decompress <file.sws> --out <dir> [--fold-batchnorm]',
  options: {
    out: { type: 'string', required: true, description: 'output directory' },
    'fold-batchnorm': { type: 'boolean', description: 'fold each BatchNormalization into the linear layer before it (exact but for float32 rounding; one layer less at inference)' },
  },
};

export async function decompressCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(decompressSpec, argv);
  if (values.help) return io.out(helpText(decompressSpec)), 0;
  if (positionals.length !== 1) throw new UsageError(`Expected one .sws file, got ${positionals.length}`);
  const decoded = swsToArtifacts(readInput(positionals[0], '.sws file'));
  const { artifacts, folded } = values['fold-batchnorm'] ? foldBatchNormalization(decoded) : { artifacts: decoded, folded: [] };
  await fileIO(values.out as string).save!(artifacts);
  const note = values['fold-batchnorm'] ? ` (${folded.length} BatchNormalization layer${folded.length === 1 ? '' : 's'} folded${folded.length > 0 ? `: ${folded.join(', ')}` : ''})` : '';
  io.out(`wrote ${values.out}/model.json and weights.bin${note}\n`);
  return 0;
}
