import { fileIO } from '@softshare/backend';
import { swsToArtifacts } from '@softshare/format';
import { helpText, parseCommand, UsageError, type CommandSpec } from '../args.js';
import type { Io } from '../io.js';
import { readInput } from '../load-model.js';

export const decompressSpec: CommandSpec = {
  name: 'decompress',
  summary: 'Decode a .sws file into tfjs layers files (model.json + weights.bin).',
  usage: 'softshare decompress <file.sws> --out <dir>',
  options: { out: { type: 'string', required: true, description: 'output directory' } },
};

export async function decompressCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(decompressSpec, argv);
  if (values.help) return io.out(helpText(decompressSpec)), 0;
  if (positionals.length !== 1) throw new UsageError(`Expected one .sws file, got ${positionals.length}`);
  const artifacts = swsToArtifacts(readInput(positionals[0], '.sws file'));
  await fileIO(values.out as string).save!(artifacts);
  io.out(`wrote ${values.out}/model.json and weights.bin\n`);
  return 0;
}
