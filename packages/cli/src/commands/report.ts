import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@softshare/backend';
import { SoftshareError } from '@softshare/core';
import { helpText, parseCommand, UsageError, type CommandSpec } from '../args.js';
import type { Io } from '../io.js';
import type { ReportData } from '../report-data.js';
import { renderReport } from '../report-html.js';

export const reportSpec: CommandSpec = {
  name: 'report',
  summary: 'Write the self-contained HTML report of a compress run (reads <file.sws>.report.json beside the file).',
  usage: 'softshare report <file.sws> --out report.html',
  options: { out: { type: 'string', required: true, description: 'the HTML file to write' } },
};

export async function reportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(reportSpec, argv);
  if (values.help) return io.out(helpText(reportSpec)), 0;
  if (positionals.length !== 1) throw new UsageError(`Expected one .sws file, got ${positionals.length}`);
  const dataPath = `${positionals[0]}.report.json`;
  let data: ReportData;
  try {
    data = JSON.parse(readFileSync(dataPath, 'utf8')) as ReportData;
  } catch (cause) {
    throw new SoftshareError('E_IO', 'cli', `Cannot read ${dataPath} (written by softshare compress): ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  writeFileAtomic(values.out as string, renderReport(data));
  io.out(`wrote ${values.out}\n`);
  return 0;
}
