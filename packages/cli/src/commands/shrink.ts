import { basename, dirname, join, resolve } from 'node:path';
import { ensureWritableDir, selectBackend, writeFileAtomic } from '@softshare/backend';
import { SoftshareError, type ModelData, type QuantizedModel } from '@softshare/core';
import { loadCalibration, preprocessingOf, syntheticCalibration, type Calibration, type DataSplit } from '@softshare/data';
import { coderIds, findCoder } from '@softshare/entropy';
import { encodeSws, swsToQuantized, type EncodedSws, type EncodeSwsOptions } from '@softshare/format';
import { outputsOf, runnerOf, type Runner } from '@softshare/models';
import { DEFAULT_FIDELITY_BUDGET, describeFidelity, outputFidelity, shrinkWithinBudget, topOneError, type FidelityBudget, type OutputFidelity } from '@softshare/shrink';
import { helpText, intFlag, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { storageFigures } from '../accounting.js';
import { overBudgetPath } from '../budget.js';
import { reportData } from '../report-data.js';
import { renderReport } from '../report-html.js';
import type { Io } from '../io.js';
import { loadAnyModel } from '../load-any-model.js';
import { dataOptions, loadTrainingData, preprocessingFlags, preprocessingOptions } from '../load-data.js';

/**
 * Coders shrink tries per tensor: rans/1 decodes a dense stream of millions of codes faster
 * than adaptive/1 (1.6x in tools/bench-coders.mjs, docs/RESULTS.md) at about the same size, and lz/1 wins on
 * repetitive streams; adaptive/1's gain is on short streams, which a shrunk model rarely has.
 */
const SHRINK_CODERS = 'rans/1,lz/1';

export const shrinkSpec: CommandSpec = {
  name: 'shrink',
  summary: 'Compress a tfjs layers or graph model without retraining: shared values per tensor (exact 1-D k-means) chosen against a fidelity budget on calibration inputs, entropy-coded into a .sws file.',
  usage: 'softshare shrink --model <model.json> --out <file.sws> [--calibration <image folder|x.npy>] [--data <folder>] [--min-agreement 0.99] [--json]',
  options: {
    model: { type: 'string', required: true, description: 'a tfjs layers or graph model.json (weights the converter quantised to uint8 / uint16 / float16 are read as tfjs reads them)' },
    out: { type: 'string', required: true, description: 'the .sws file to write' },
    calibration: { type: 'string', default: 'synthetic uniform inputs, with a warning', description: 'unlabelled inputs the outputs are compared on: a flat folder of .png / .jpg images (grey or RGB as the model takes) or a .npy file [count, ...example shape]' },
    data: { type: 'string', description: `labelled data (as for compress: ${dataOptions.data.description.slice(0, 60)}...): its validation split calibrates, its test split is reported` },
    validation: dataOptions.validation,
    ...preprocessingOptions,
    'calibration-count': { type: 'string', default: '512', description: 'calibration inputs used (the first N)' },
    'min-agreement': { type: 'string', default: String(DEFAULT_FIDELITY_BUDGET.minAgreement), description: 'a classifier output must give the original top-1 class on at least this share of the calibration inputs' },
    'max-output-error': { type: 'string', default: String(DEFAULT_FIDELITY_BUDGET.maxOutputError), description: 'any other output: at most this relative error ||y - y0|| / ||y0||' },
    prune: { type: 'string', default: '0', description: "share of each tensor's smallest weights set to 0 first (magnitude pruning)" },
    'max-values': { type: 'string', default: '255', description: 'at most this many non-zero shared values per tensor' },
    exclude: { type: 'string', description: 'tensors kept as they are, comma-separated tensor or layer names' },
    allocation: { type: 'string', default: 'sensitivity', description: "how tolerances differ per tensor: 'sensitivity' (each tensor's output damage measured first, tolerance ~ size / sensitivity) or 'uniform' (one tolerance)" },
    coder: { type: 'string', default: SHRINK_CODERS, description: `entropy coder id, or several comma-separated (each tensor takes the smallest): ${coderIds().join(', ')}` },
    seed: { type: 'string', default: '1', description: 'seed of the synthetic inputs' },
    backend: { type: 'string', default: 'auto: node, else wasm, else cpu', description: 'tfjs backend: node, wasm or cpu' },
    report: { type: 'string', default: '<folder of --out>/report.html', description: 'where to write the HTML report' },
    json: { type: 'boolean', description: 'print one JSON line' },
  },
};

function fraction(name: string, v: string | boolean | undefined, fallback: number, max = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`Expected --${name} to be a number from 0 to ${max}, got '${String(v)}'`);
  return n;
}

/** One example's shape as the model takes it, from the calibration examples' shape: equal, or the same values laid out as the model's fixed shape. */
function fitShape(model: readonly (number | null)[], cal: readonly number[], source: string): number[] {
  const fits = model.length === cal.length && model.every((d, i) => d === null || d === cal[i]);
  if (fits) return [...cal];
  const fixed = model.every((d) => d !== null) ? (model as number[]) : undefined;
  if (fixed && fixed.reduce((a, b) => a * b, 1) === cal.reduce((a, b) => a * b, 1)) return fixed;
  throw new SoftshareError('E_DATA_MISMATCH', 'cli', `${source}: examples are [${cal.join(', ')}], the model takes [${model.map((d) => d ?? '?').join(', ')}]`);
}

async function fidelityOf(runner: Runner, model: ModelData, reference: Float32Array[], cal: Calibration, shape: readonly number[]): Promise<OutputFidelity[]> {
  await runner.load(model);
  const got = outputsOf(runner, cal, shape);
  return reference.map((r, k) => outputFidelity(k, { values: r, examples: cal.count }, { values: got[k], examples: cal.count }));
}

/** Top-1 error of the first output against class labels (the labelled test split, when --data has classes). */
async function testErrorOf(runner: Runner, model: ModelData, split: DataSplit, shape: readonly number[]): Promise<number | undefined> {
  if (!split.labels) return undefined;
  await runner.load(model);
  const [out] = outputsOf(runner, split, shape);
  return out.length / split.count < 2 ? undefined : topOneError(out, split.labels);
}

export async function shrinkCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(shrinkSpec, argv);
  if (values.help) return io.out(helpText(shrinkSpec)), 0;
  // rans/1 and lz/1 (an adaptive LZ77 that finds repeats a per-symbol coder cannot) are both browser-safe
  const coder = ((values.coder as string | undefined) ?? SHRINK_CODERS).split(',').map((c: string) => c.trim());
  for (const c of coder) if (!findCoder(c)) throw new UsageError(`Expected --coder to be one or more of ${coderIds().join(', ')}, got '${c}'`);
  const budget: FidelityBudget = { minAgreement: fraction('min-agreement', values['min-agreement'], DEFAULT_FIDELITY_BUDGET.minAgreement), maxOutputError: fraction('max-output-error', values['max-output-error'], DEFAULT_FIDELITY_BUDGET.maxOutputError, Infinity) };
  const prune = fraction('prune', values.prune, 0, 0.999);
  const maxValues = intFlag('max-values', values['max-values'], 255);
  if (maxValues > 255) throw new UsageError(`Expected --max-values to be at most 255, got ${maxValues}`);
  const count = intFlag('calibration-count', values['calibration-count'], 512);
  const seed = intFlag('seed', values.seed, 1, 0);
  const exclude = typeof values.exclude === 'string' ? values.exclude.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (values.allocation !== undefined && values.allocation !== 'sensitivity' && values.allocation !== 'uniform') throw new UsageError(`Expected --allocation to be sensitivity or uniform, got '${String(values.allocation)}'`);
  if (values.calibration !== undefined && values.data !== undefined) throw new UsageError('Expected --calibration or --data, not both');
  const out = resolve(values.out as string);
  ensureWritableDir(dirname(out));
  const t0 = performance.now();
  const backend = await selectBackend({ backend: values.backend as string | undefined });
  const model = await loadAnyModel(values.model as string);
  // one runner for the original and every candidate (weights swapped in, not a model built per candidate)
  const runner = await runnerOf(model.data);
  try {
    return await shrinkWith(runner, model, values, io, { coder, budget, prune, maxValues, count, seed, exclude, out, t0, backend: backend.name });
  } finally {
    runner.dispose();
  }
}

async function shrinkWith(
  runner: Runner,
  model: Awaited<ReturnType<typeof loadAnyModel>>,
  values: Record<string, string | boolean | undefined>,
  io: Io,
  o: { coder: string[]; budget: FidelityBudget; prune: number; maxValues: number; count: number; seed: number; exclude: string[]; out: string; t0: number; backend: string },
): Promise<number> {
  const { coder, budget, prune, maxValues, count, seed, exclude, out, t0 } = o;
  const inputShape = runner.inputShape;
  // the inputs the outputs are compared on, and where they came from
  const flags = preprocessingFlags(values);
  let cal: Calibration;
  let source: string;
  let test: DataSplit | undefined;
  let warning: string | undefined;
  if (values.data !== undefined) {
    const data = loadTrainingData(values);
    const split = data.validation ?? data.train;
    cal = { ...split, count: Math.min(count, split.count) };
    source = `${cal.count} ${data.validation ? 'validation' : 'training'} examples of --data ${values.data}`;
    test = data.test;
  } else if (values.calibration !== undefined) {
    cal = loadCalibration(values.calibration as string, { channels: (inputShape[inputShape.length - 1] ?? 1) as number, limit: count, ...(flags ? { preprocessing: flags } : {}) });
    source = `${cal.count} inputs of ${values.calibration}`;
  } else {
    if (inputShape.some((d) => d === null)) throw new SoftshareError('E_DATA_MISMATCH', 'cli', `The model's input shape [${inputShape.map((d) => d ?? '?').join(', ')}] has unknown dimensions: pass --calibration inputs`);
    cal = syntheticCalibration(inputShape as number[], Math.min(count, 256), seed, flags);
    source = `${cal.count} synthetic uniform inputs (seed ${seed})`;
    warning = 'no --calibration or --data: fidelity is measured on synthetic uniform inputs, which say little about real ones; pass --calibration <images|x.npy>';
    io.err(`softshare shrink: warning: ${warning}\n`);
  }
  const shape = fitShape(inputShape, cal.shape, values.data !== undefined ? `--data ${values.data}` : values.calibration !== undefined ? `--calibration ${values.calibration}` : 'synthetic inputs');
  const reference = outputsOf(runner, cal, shape);
  const encodeOptions: EncodeSwsOptions = { coder, generator: 'softshare 0.1.0', ...(flags || values.data !== undefined || values.calibration !== undefined ? { preprocessing: preprocessingOf(cal) } : {}) };
  // the sensitivity probes compare outputs on the first 64 calibration inputs: relative squared error, summed over outputs
  const probe: Calibration = { ...cal, count: Math.min(cal.count, 64) };
  const probeReference = reference.map((r) => r.subarray(0, (r.length / cal.count) * probe.count));
  const damage = async (q: ModelData) => {
    await runner.load(q);
    const got = outputsOf(runner, probe, shape);
    return probeReference.reduce((sum, r, k) => {
      let num = 0;
      let den = 0;
      r.forEach((v, i) => ((num += (got[k][i] - v) ** 2), (den += v * v)));
      return sum + num / Math.max(den, 1e-30);
    }, 0);
  };
  // each point's encoding, so the chosen one is written as the search measured it, not encoded again
  const encodings = new Map<QuantizedModel, EncodedSws>();
  const search = await shrinkWithinBudget(model.data, {
    stage: { prune, maxValues, exclude },
    budget,
    evaluate: (q) => fidelityOf(runner, q, reference, cal, shape),
    ...(values.allocation === 'uniform' ? {} : { damage }),
    size: (q) => {
      const e = encodeSws(q, encodeOptions);
      encodings.set(q, e);
      return e.bytes.length;
    },
    onPoint: (p) => {
      if (!values.json) io.err(`  tolerance ${p.tolerance}: ${p.bytes} bytes, ${describeFidelity(p.fidelity)}${p.withinBudget ? '' : ' (over budget)'}\n`);
    },
  });
  const encoded = encodings.get(search.model) ?? encodeSws(search.model, encodeOptions);
  const target = search.withinBudget ? out : overBudgetPath(out);
  // the figures of the file as written, decoded independently of the writer
  const decoded: QuantizedModel = swsToQuantized(encoded.bytes);
  const fidelity = await fidelityOf(runner, decoded, reference, cal, shape);
  const testBefore = test ? await testErrorOf(runner, model.data, test, shape) : undefined;
  const testAfter = test ? await testErrorOf(runner, decoded, test, shape) : undefined;
  const originalBytes = 4 * model.data.params.reduce((n, p) => n + p.values.length, 0) + (model.data.graph?.constants.reduce((n, c) => n + c.values.byteLength, 0) ?? 0);
  const values_ = new Map(search.model.quantized.map((q) => [q.name, q.codebook.length - 1]));
  const tensors = encoded.tensors.map((t) => ({ name: t.name, elements: t.elements, encoding: t.encoding, shared_values: values_.get(t.name) ?? null, tolerance_scale: search.scales.get(t.name) ?? null, nonzero: t.nonzero, bytes: t.positionBytes + t.codeBytes + t.rawBytes }));
  const result = {
    out: target,
    model: values.model,
    model_kind: model.kind,
    backend: o.backend,
    calibration: source,
    ...(warning ? { warning } : {}),
    budget: { min_agreement: budget.minAgreement, max_output_error: budget.maxOutputError },
    within_budget: search.withinBudget,
    tolerance: search.tolerance,
    allocation: values.allocation ?? 'sensitivity',
    fidelity,
    ...(testBefore !== undefined ? { test_error_before: testBefore, test_error_after: testAfter } : {}),
    file_bytes: encoded.bytes.length,
    original_bytes: originalBytes,
    file_ratio: originalBytes / encoded.bytes.length,
    header_bytes: encoded.headerBytes,
    points: search.points.map((p) => ({ tolerance: p.tolerance, bytes: p.bytes, file_ratio: p.bytes ? originalBytes / p.bytes : null, within_budget: p.withinBudget, fidelity: p.fidelity })),
    tensors,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
  writeFileAtomic(target, encoded.bytes);
  writeFileAtomic(`${target}.json`, JSON.stringify(result, null, 2) + '\n');
  const budgetText = `top-1 agreement >= ${budget.minAgreement}, relative output error <= ${budget.maxOutputError}`;
  const data = reportData({
    title: `${basename(values.model as string)} -> ${basename(out)} (shrink)`,
    backend: o.backend,
    input: model.data,
    quantized: search.model,
    errorBefore: testBefore ?? NaN,
    errorAfter: testAfter ?? NaN,
    sizes: storageFigures(originalBytes, search.model, encoded),
    history: [],
    fidelity: { calibration: source, budget: budgetText, written: describeFidelity(fidelity), points: search.points.map((p) => ({ tolerance: p.tolerance, bytes: p.bytes ?? null, fidelity: describeFidelity(p.fidelity), withinBudget: p.withinBudget })) },
  });
  writeFileAtomic(`${target}.report.json`, JSON.stringify(data) + '\n');
  writeFileAtomic((values.report as string | undefined) ?? join(dirname(out), 'report.html'), renderReport(data));
  if (!search.withinBudget) {
    throw new SoftshareError('E_BUDGET', 'cli', `No tolerance kept the fidelity budget (agreement >= ${budget.minAgreement}, output error <= ${budget.maxOutputError}); tightest: ${describeFidelity(search.fidelity)}; nothing written at --out, the attempt is at ${target}`);
  }
  if (values.json) io.out(JSON.stringify({ event: 'result', ...result, points: undefined, tensors: undefined }) + '\n');
  else {
    const shared = tensors.filter((t) => t.shared_values !== null);
    const kept = tensors.filter((t) => t.shared_values === null);
    io.out(
      `calibration: ${source}\n` +
        `fidelity of the written file: ${describeFidelity(fidelity)} (budget: agreement >= ${budget.minAgreement}, output error <= ${budget.maxOutputError}): held (${search.points.length} tolerances tried, chose ${search.tolerance})\n` +
        (testBefore !== undefined ? `test top-1 error ${(100 * testBefore).toFixed(2)}% -> ${(100 * testAfter!).toFixed(2)}%\n` : '') +
        `shared values: ${shared.map((t) => `${t.name} ${t.shared_values} values ${t.bytes} B`).join(', ') || 'none'}; kept: ${kept.map((t) => `${t.name} ${t.encoding} ${t.bytes} B`).join(', ') || 'none'}\n` +
        `file ${encoded.bytes.length} bytes: file-size ratio ${result.file_ratio.toFixed(1)}x (float32 ${originalBytes} bytes, ${model.kind} model)\n` +
        `wrote ${target} (${result.seconds} s on ${o.backend})\n`,
    );
  }
  return 0;
}
