import { existsSync, readFileSync } from 'node:fs';
import { paramRole } from '@softshare/core';
import { decodeSws } from '@softshare/format';
import { describeFidelity, type OutputFidelity } from '@softshare/shrink';
import { paperBitsOf } from '../accounting.js';
import { helpText, parseCommand, UsageError, type CommandSpec } from '../args.js';
import type { Io } from '../io.js';
import { readInput } from '../load-model.js';

export const inspectSpec: CommandSpec = {
  name: 'inspect',
  summary: 'Show the layers, codebooks, bytes per part, coder and compression rates of a .sws file.',
  usage: 'softshare inspect <file.sws> [--json]',
  options: { json: { type: 'boolean', description: 'print one JSON object' } },
};

export async function inspectCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(inspectSpec, argv);
  if (values.help) return io.out(helpText(inspectSpec)), 0;
  if (positionals.length !== 1) throw new UsageError(`Expected one .sws file, got ${positionals.length}`);
  const bytes = readInput(positionals[0], '.sws file');
  const { header, version, tensors } = decodeSws(bytes);
  const rows = header.tensors.map((t, i) => {
    const n = tensors[i].values.length;
    if (t.encoding !== 'shared') return { name: t.name, shape: t.shape, encoding: t.encoding as string, elements: n, nonzero: n, bytes: t.data.length, codebook: [] as number[], coder: '-' };
    const nz = tensors[i].codes!.reduce((s, c) => s + (c !== 0 ? 1 : 0), 0);
    const positions = t.layout === 'escape' ? t.gaps.length : t.mask.length;
    return { name: t.name, shape: t.shape, encoding: `${t.encoding}/${t.layout}`, elements: n, nonzero: nz, bytes: positions + t.codes.length, position_bytes: positions, code_bytes: t.codes.length, codebook: t.codebook, coder: t.coder };
  });
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const framing = bytes.length - headerBytes - header.payloadLength;
  // the same rates as compress reports: every parameter as float32 over the file, and the paper's format over the shared tensors
  const originalBytes = 4 * rows.reduce((s, r) => s + r.elements, 0);
  // weights: the shared kernels (core's paramRole), not a bias or other vector stored on shared values
  const isWeights = (t: (typeof header.tensors)[number]) => t.encoding === 'shared' && paramRole(t.name, t.shape, header.modelFormat === 'graph-model') === 'kernel';
  const shared = header.tensors.flatMap((t, i) => (isWeights(t) && t.encoding === 'shared' ? [{ codes: tensors[i].codes!, codebook: t.codebook, shape: t.shape }] : []));
  const weights = shared.reduce((s, x) => s + x.codes.length, 0);
  const paperBits = paperBitsOf(shared);
  const nonzero = rows.reduce((s, r, i) => s + (isWeights(header.tensors[i]) ? r.nonzero : 0), 0);
  const rates = { original_bytes: originalBytes, file_ratio: originalBytes / bytes.length, paper_format_ratio: paperBits > 0 ? (32 * weights) / paperBits : 0, nonzero_fraction: weights > 0 ? nonzero / weights : 0 };
  // what the command that wrote the file measured, from its summary beside it (the file itself records no fidelity)
  let measured: { fidelity?: unknown; calibration?: string; error_before?: number; error_after?: number } | undefined;
  try {
    measured = existsSync(`${positionals[0]}.json`) ? JSON.parse(readFileSync(`${positionals[0]}.json`, 'utf8')) : undefined;
  } catch {
    measured = undefined;
  }
  const summary = { file_bytes: bytes.length, version: `${version.major}.${version.minor}`, model_format: header.modelFormat ?? 'layers-model', header_bytes: headerBytes, payload_bytes: header.payloadLength, generator: header.generator, preprocessing: header.preprocessing ?? null, ...rates, ...(measured?.fidelity ? { fidelity: measured.fidelity, calibration: measured.calibration } : {}), tensors: rows };
  if (values.json) {
    io.out(JSON.stringify(summary) + '\n');
    return 0;
  }
  io.out(`${positionals[0]}: .sws ${summary.version}${header.modelFormat ? ` (${header.modelFormat})` : ''}, ${bytes.length} bytes (header ${headerBytes}, payload ${header.payloadLength}, framing ${framing})\n`);
  if (measured?.fidelity) io.out(`  fidelity (from ${positionals[0]}.json, as shrink measured it): ${describeFidelity(measured.fidelity as OutputFidelity[])}; calibration: ${measured.calibration}\n`);
  io.out(`  file-size ratio ${rates.file_ratio.toFixed(1)} (${originalBytes} float32 bytes / ${bytes.length}), paper storage-format rate ${rates.paper_format_ratio.toFixed(1)}, non-zero ${(100 * rates.nonzero_fraction).toFixed(3)}% of ${weights} weights\n`);
  const p = header.preprocessing;
  io.out(p ? `  inputs: / ${p.divisor}${p.mean ? `, - mean [${p.mean.join(', ')}]` : ''}${p.std ? `, / std [${p.std.join(', ')}]` : ''} (as in training)\n` : '  inputs: preprocessing not recorded (a file written before format 2.1)\n');
  for (const r of rows) {
    const cb = r.codebook.length ? ` codebook[${r.codebook.length}] ${r.codebook.map((v) => +v.toFixed(4)).join(' ')}` : '';
    io.out(`  ${r.name.padEnd(16)} [${r.shape.join('x')}] ${r.encoding.padEnd(14)} ${r.coder.padEnd(10)} non-zero ${r.nonzero}/${r.elements}  ${r.bytes} bytes${cb}\n`);
  }
  return 0;
}
