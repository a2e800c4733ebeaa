import { readFileSync } from 'node:fs';
import { fileIO } from '@softshare/backend';
import { SoftshareError } from '@softshare/core';
import { swsToArtifacts } from '@softshare/format';
import { helpText, parseCommand, UsageError, type CommandSpec } from '../args.js';
import type { Io } from '../io.js';

export const decompressSpec: CommandSpec = {
  name: 'decompress',
  summary: 'Decode a .sws file into tfjs layers files (model.json + weights.bin).',
  usage: 'softshare decompress <file.sws> --out <dir>',
  options: { out: { type: 'string', required: true, description: 'output directory' } },
};

/** Read a file with a one-line error. */
export function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (cause as Error).message;
    throw new SoftshareError('E_MODEL_NOT_FOUND', 'cli', `Cannot read ${what} ${path}: ${why}`, { cause });
  }
}

export async function decompressCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(decompressSpec, argv);
  if (values.help) return io.out(helpText(decompressSpec)), 0;
  if (positionals.length !== 1) throw new UsageError(`Expected one .sws file, got ${positionals.length}`);
  const artifacts = swsToArtifacts(readInput(positionals[0], '.sws file'));
  await fileIO(values.out as string).save!(artifacts);
  io.out(`wrote ${values.out}/model.json and weights.bin\n`);
  return 0;
}
