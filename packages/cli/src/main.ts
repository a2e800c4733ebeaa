import { createRequire } from 'node:module';
import { isSoftshareError } from '@softshare/core';
import { UsageError } from './args.js';
import { loadCoderModules } from './coder-modules.js';
import { compressCommand, compressSpec } from './commands/compress.js';
import { decompressCommand, decompressSpec } from './commands/decompress.js';
import { evalCommand, evalSpec } from './commands/eval.js';
import { inspectCommand, inspectSpec } from './commands/inspect.js';
import { pretrainCommand, pretrainSpec } from './commands/pretrain.js';
import { reportCommand, reportSpec } from './commands/report.js';
import { retrainCommand, retrainSpec } from './commands/retrain.js';
import { shrinkCommand, shrinkSpec } from './commands/shrink.js';
import { processIo, type Io } from './io.js';

const commands: Record<string, { run: (argv: string[], io: Io) => Promise<number>; summary: string }> = {
  eval: { run: evalCommand, summary: evalSpec.summary },
  pretrain: { run: pretrainCommand, summary: pretrainSpec.summary },
  retrain: { run: retrainCommand, summary: retrainSpec.summary },
  compress: { run: compressCommand, summary: compressSpec.summary },
  shrink: { run: shrinkCommand, summary: shrinkSpec.summary },
  decompress: { run: decompressCommand, summary: decompressSpec.summary },
  inspect: { run: inspectCommand, summary: inspectSpec.summary },
  report: { run: reportCommand, summary: reportSpec.summary },
};

function usage(): string {
  const rows = Object.entries(commands).map(([k, v]) => `  ${k.padEnd(10)} ${v.summary}`);
  return `softshare: compress neural networks by soft weight-sharing\n\nUsage: softshare <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun 'softshare <command> --help' for the options of each; 'softshare --version' prints the version.\nAny command takes --coder-module <file> (repeatable): a module that exports or registers entropy coders.\n`;
}

/** This package's version (from its package.json, next to src/ and dist/). */
export function cliVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

/**
 * Run the CLI; returns the exit code. Errors become one line on stderr:
 * usage errors exit 2, a result over the accuracy budget 3, an interruption 130, everything else 1. Never a stack trace.
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${cliVersion()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(`softshare: unknown command '${name}'; expected one of ${Object.keys(commands).join(', ')}\n`);
    return 2;
  }
  try {
    return await command.run(await loadCoderModules(rest), io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`softshare ${name}: ${e.message}\n`);
      return 2;
    }
    const msg = isSoftshareError(e) ? `${e.message} [${e.code}]` : e instanceof Error ? e.message.split('\n')[0] : String(e);
    io.err(`softshare ${name}: error: ${msg}\n`);
    if (process.env.SOFTSHARE_DEBUG) io.err(`${(e as Error).stack ?? ''}\n`);
    // 3: the result broke the accuracy budget (kept beside --out, not at it)
    return isSoftshareError(e, 'E_CANCELLED') ? 130 : isSoftshareError(e, 'E_BUDGET') ? 3 : 1;
  }
}
