import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pretrainedModelPath } from '@softshare/models';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.js';

const run = runCaptured;

const dir = mkdtempSync(join(tmpdir(), 'softshare-compress-'));
const config = join(dir, 'tiny.json');
// one epoch on 512 examples cannot keep half a point: these runs turn the budget off (the budget's own tests below set one)
writeFileSync(config, JSON.stringify({ retrain: { epochs: 1, trainLimit: 512, tau: 0.5, evalEvery: 0 }, quantize: { rule: 'ml' }, budget: { maxErrorIncrease: null } }));
const model = pretrainedModelPath('lenet-300-100');

describe('softshare compress / inspect / decompress / eval', () => {
  it('compresses end to end and the file evaluates to the error compress printed', async () => {
    const out = join(dir, 'm.sws');
    const r = await run('compress', '--model', model, '--out', out, '--config', config, '--json', '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.event, l.stage, l.phase, l.epoch])).toEqual([['epoch', 'retrain', undefined, 1], ['epoch', 'tune', 'shared', 1], ['epoch', 'tune', 'shared', 2], ['point', undefined, undefined, undefined], ['point', undefined, undefined, undefined], ['result', undefined, undefined, undefined]]);
    // the budget search's one point (budget off here): the file it measured on the validation split;
    // then the storage step's, the same file with its biases stored by what they are worth: smaller, no validation error more
    expect(lines[3]).toMatchObject({ point: 1, rule: 'ml', tau: 0.5, limit: null, withinBudget: 1 });
    expect(lines[4]).toMatchObject({ point: 2, rule: 'ml', tau: 0.5, limit: null, withinBudget: 1 });
    expect(lines[4].fileRatio).toBeGreaterThan(lines[3].fileRatio);
    expect(lines[4].validationError).toBeLessThanOrEqual(lines[3].validationError);
    expect(lines[0].errorLoss).toBeGreaterThan(0);
    expect(lines[0].zeroShare).toBeGreaterThan(0);
    for (const t of lines.filter((l) => l.stage === 'tune')) {
      expect(t.of).toBe(2);
      expect(t.loss).toBeGreaterThan(0);
      expect(t.nonZero).toBeGreaterThan(0);
    }
    const result = lines.pop();
    expect(lines[4].validationError).toBe(result.validation_error_after);
    expect(lines[2].nonZero).toBe(JSON.parse(readFileSync(`${out}.json`, 'utf8')).layers.reduce((a: number, l: { nonzero: number }) => a + l.nonzero, 0));
    for (const k of ['error_before', 'error_after', 'nonzero_fraction', 'file_bytes', 'original_bytes', 'file_ratio', 'paper_format_ratio']) {
      expect(Number.isFinite(result[k]), k).toBe(true);
    }
    expect(result.file_bytes).toBe(readFileSync(out).length);
    // a twelfth of MNIST's training split is held out for validation by default
    expect([result.train_examples, result.validation_examples]).toEqual([55_000, 5_000]);
    expect(result.data).toEqual({ name: 'mnist', example_shape: [28, 28], divided_by: 255, classes: 10 });
    expect(result.validation_error_after).toBeGreaterThanOrEqual(0);
    expect(result.validation_error_after).toBeLessThan(0.5);
    expect(result.original_bytes).toBe(266_610 * 4);
    expect(result.file_ratio).toBeCloseTo(result.original_bytes / result.file_bytes, 9);
    const e = await run('eval', '--model', out, '--json', '--backend', 'wasm');
    expect(JSON.parse(e.out).error).toBe(result.error_after);

    const i = await run('inspect', out, '--json');
    const info = JSON.parse(i.out);
    expect(info.file_bytes).toBe(result.file_bytes);
    for (const k of ['original_bytes', 'file_ratio', 'paper_format_ratio', 'nonzero_fraction']) expect(info[k], k).toBeCloseTo(result[k], 9);
    expect((await run('inspect', out)).out).toMatch(new RegExp(`file-size ratio ${result.file_ratio.toFixed(1)} .* paper storage-format rate ${result.paper_format_ratio.toFixed(1)}`));
    expect(info.tensors.map((t: { name: string }) => t.name)).toEqual(['fc1/kernel', 'fc1/bias', 'fc2/kernel', 'fc2/bias', 'fc3/kernel', 'fc3/bias']);

    const d = await run('decompress', out, '--out', join(dir, 'dec'));
    expect(d.code).toBe(0);
    const e2 = await run('eval', '--model', join(dir, 'dec', 'model.json'), '--json', '--backend', 'wasm');
    expect(JSON.parse(e2.out).error).toBe(result.error_after);
  }, 120_000);

  it('with a sparsify section, runs sparsify -> tune: the mask comes from variational dropout at the asked density', async () => {
    const cfg = join(dir, 'vd.json');
    writeFileSync(cfg, JSON.stringify({ sparsify: { epochs: 1, trainLimit: 512, density: 0.1 }, tune: { epochs: 1, trainLimit: 512 } }));
    const out = join(dir, 'vd.sws');
    const r = await run('compress', '--model', model, '--out', out, '--config', cfg, '--json', '--backend', 'wasm', '--max-error-increase', '0.3');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.event, l.stage, l.phase, l.epoch])).toEqual([['epoch', 'sparsify', undefined, 1], ['epoch', 'tune', 'shared', 1], ['point', undefined, undefined, undefined], ['point', undefined, undefined, undefined], ['result', undefined, undefined, undefined]]);
    expect(lines[0].loss).toBeGreaterThan(0);
    expect(lines[0].belowThreshold).toBeGreaterThan(0);
    expect(lines[0].validationError).toBeGreaterThanOrEqual(0);
    expect(lines[0].validationError).toBeLessThan(0.5);
    expect(lines[0].testError).toBeUndefined();
    const result = lines.pop();
    // tune may drop weights of dead units, never add any
    expect(result.pipeline).toBe('sparsify -> tune');
    expect(result.prior_tensors).toBeUndefined();
    expect(result.nonzero_fraction).toBeLessThanOrEqual(0.1);
    expect(result.nonzero_fraction).toBeGreaterThan(0.09);
    expect(result.error_after).toBeLessThan(0.2);
    const e = await run('eval', '--model', out, '--json', '--backend', 'wasm');
    expect(JSON.parse(e.out).error).toBe(result.error_after);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    const again = await run('compress', '--model', model, '--out', out, '--config', cfg, '--resume', join(dir, 'none.json'), '--backend', 'wasm');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/--resume continues a soft weight-sharing retraining; this config has a sparsify section/);
  }, 120_000);

  it('is deterministic: the same inputs and seed give the same bytes', async () => {
    const a = join(dir, 'a.sws');
    const b = join(dir, 'b.sws');
    const loud = await run('compress', '--model', model, '--out', a, '--config', config, '--backend', 'wasm');
    const quiet = await run('compress', '--model', model, '--out', b, '--config', config, '--quiet', '--backend', 'wasm');
    expect([loud.code, quiet.code]).toEqual([0, 0]);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // without --json, one stderr line per epoch of retraining and of tuning; --quiet prints none
    expect(loud.err).toMatch(/^retrain epoch 1\/1  loss [\d.]+  complexity /m);
    expect(loud.err.match(/^tune shared epoch \d\/2  loss [\d.]+  non-zero \d+  [\d.]+ s$/gm)).toHaveLength(2);
    expect(quiet.err).toBe('');
    // the console says per tensor what went under the prior and what passed through
    expect(quiet.out).toMatch(/^under the prior: fc1\/kernel [\d.]+% non-zero \d+ B, fc2\/kernel .*; passed through: fc1\/bias (float32|float16|exact shared values|shared values) \d+ B, /m);
  }, 120_000);

  it('keeps layers it does not put under the prior (batch normalisation) out of it, with diagnostics, and stores their vectors by what they are worth', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { fileIO } = await import('@softshare/backend');
    const m = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [784], units: 32, activation: 'relu', name: 'd1' }),
        tf.layers.batchNormalization({ name: 'bn' }),
        tf.layers.dense({ units: 10, activation: 'softmax', name: 'd2' }),
      ],
    });
    // statistics as pretraining leaves them (they are held while retraining: an untrained model's would be ones and zeros)
    m.getLayer('bn').setWeights([tf.randomUniform([32], 0.5, 2, 'float32', 1), tf.randomUniform([32], -1, 1, 'float32', 2), tf.randomUniform([32], -1, 1, 'float32', 3), tf.randomUniform([32], 0.5, 2, 'float32', 4)]);
    const modelDir = join(dir, 'bn-model');
    await m.save(fileIO(modelDir));
    const out = join(dir, 'bn.sws');
    const r = await run('compress', '--model', join(modelDir, 'model.json'), '--out', out, '--config', config, '--json', '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    const info = JSON.parse((await run('inspect', out, '--json')).out);
    const enc = Object.fromEntries(info.tensors.map((t: { name: string; encoding: string }) => [t.name, t.encoding]));
    expect(enc['d1/kernel']).toMatch(/^shared/);
    const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    // the storage step put what it could on shared values, else in float16 (validation checked); the rest stays float32
    const storage = summary.budget.points[summary.budget.chosen].storage;
    const stored = new Set(storage?.tensors.map((t: { name: string }) => t.name) ?? []);
    const half = new Set(storage?.float16 ?? []);
    for (const name of ['bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance']) expect(enc[name], name).toMatch(stored.has(name) ? /^shared\// : half.has(name) ? /^float16$/ : /^float32$/);
    expect(summary.layers.map((l: { name: string }) => l.name)).toEqual(['d1/kernel', 'd2/kernel']);
    const passed = summary.diagnostics.filter((d: { stage: string; message: string }) => d.stage === 'quantize' && /passed through unquantised/.test(d.message));
    expect(passed.map((d: { layer: string }) => d.layer)).toEqual(expect.arrayContaining(['bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance']));
    const e = await run('eval', '--model', out, '--json', '--backend', 'wasm');
    expect(JSON.parse(e.out).error).toBe(summary.error_after);
  }, 120_000);

  it.each([
    ['an invalid config field', { retrain: { tau: -2 } }, /config: invalid options: retrain.tau/],
    ['an unknown config section', { retrian: {} }, /config: invalid options: \(options\): Unrecognized key/],
    ['an invalid sparsify field', { sparsify: { density: 2 } }, /config: invalid options: sparsify.density/],
    ['a sparsify section beside options of the stages it replaces', { sparsify: {}, retrain: { tau: 0.1 }, quantize: {} }, /config: a sparsify section replaces retrain -> merge -> quantize, so retrain, quantize would be ignored; remove them/],
    ['a mask-search tensor the model does not have', { tune: { mask: { epochs: 1, tensorDensity: { 'conv9/kernel': 0.1 } } } }, /config: tune.mask.tensorDensity names "conv9\/kernel", which the model does not have/],
  ])('rejects %s in one line naming the field, writing nothing', async (_n, cfg, message) => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(cfg));
    const out = join(dir, 'never.sws');
    const r = await run('compress', '--model', model, '--out', out, '--config', bad, '--backend', 'wasm');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('keeps a result over the accuracy budget beside --out, never at it, and exits 3 with one line', async () => {
    const cfg = join(dir, 'over.json');
    writeFileSync(cfg, JSON.stringify({ retrain: { epochs: 1, trainLimit: 512, tau: 0.5, evalEvery: 0 }, budget: { steps: 0, finerValues: false } }));
    const out = join(dir, 'over.sws');
    const r = await run('compress', '--model', model, '--out', out, '--config', cfg, '--max-error-increase', '0', '--quiet', '--backend', 'wasm');
    expect(r.code).toBe(3);
    const kept = join(dir, 'over.over-budget.sws');
    expect(r.err).toMatch(/^softshare compress: error: No attempt kept the validation error within the budget \([\d.]+% \+ 0\.00% = [\d.]+%; best of \d+: [\d.]+% at [\d.]+x\).*; nothing written at --out, the best attempt is at .*over\.over-budget\.sws \[E_BUDGET\]\n$/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(kept)).toBe(true);
    const summary = JSON.parse(readFileSync(`${kept}.json`, 'utf8'));
    expect(summary.budget.held).toBe(false);
    expect(summary.budget.max_error_increase).toBe(0);
    expect(summary.budget.points[summary.budget.chosen].validation_error).toBeGreaterThan(summary.budget.limit);
    // the kept file is what its summary says: evaluated independently, the same test error
    const e = await run('eval', '--model', kept, '--json', '--backend', 'wasm');
    expect(JSON.parse(e.out).error).toBe(summary.error_after);
    // the budget needs a validation split: without one it must be turned off explicitly
    const none = await run('compress', '--model', model, '--out', out, '--config', cfg, '--validation', '0', '--backend', 'wasm');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/the accuracy budget is measured on the validation split, and this data has none; .*--max-error-increase off.*\[E_OPTIONS\]/);
    // with the default last resort on, the same run ends within the budget on finer shared values, says so, and writes at --out
    const finerCfg = join(dir, 'finer.json');
    writeFileSync(finerCfg, JSON.stringify({ retrain: { epochs: 1, trainLimit: 512, tau: 0.5, evalEvery: 0 }, budget: { steps: 0, storage: null } }));
    const finer = join(dir, 'finer.sws');
    const f = await run('compress', '--model', model, '--out', finer, '--config', finerCfg, '--max-error-increase', '0', '--backend', 'wasm');
    expect(f.code, f.err).toBe(0);
    expect(f.out).toMatch(/budget [\d.]+% \(\+0\.00%\): held \(\d+ points tried, .*on per-tensor shared values at tolerance [\d.e-]+(, tuned)? \(no file of the prior's kept the budget\)\)/);
    const fs = JSON.parse(readFileSync(`${finer}.json`, 'utf8'));
    const chosen = fs.budget.points[fs.budget.chosen];
    expect([fs.budget.held, chosen.within_budget, typeof chosen.finer_values_tolerance]).toEqual([true, true, 'number']);
    expect(chosen.validation_error).toBeLessThanOrEqual(fs.budget.limit);
    const fe = await run('eval', '--model', finer, '--json', '--backend', 'wasm');
    expect(JSON.parse(fe.out).error).toBe(fs.error_after);
    const bad = await run('compress', '--model', model, '--out', out, '--max-error-increase', '5');
    expect([bad.code, bad.err]).toEqual([2, "softshare compress: Expected --max-error-increase to be a fraction between 0 and 1 (0.005 = half a point) or off, got '5'\n"]);
    expect(existsSync(out)).toBe(false);
  }, 240_000);

  it('rejects an unknown coder and a corrupt .sws', async () => {
    const r = await run('compress', '--model', model, '--out', join(dir, 'x.sws'), '--coder', 'zip');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Expected --coder to be one of/);
    const p = await run('compress', '--model', model, '--out', join(dir, 'x.sws'), '--others-precision', 'float64');
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/Expected --others-precision to be float32 or float16, got 'float64'/);
    const bad = join(dir, 'bad.sws');
    writeFileSync(bad, 'SWSM not really');
    const i = await run('inspect', bad);
    expect(i.code).toBe(1);
    expect(i.err).toMatch(/\[E_FORMAT_/);
    const out = join(dir, 'none');
    const d = await run('decompress', bad, '--out', out);
    expect(d.code).toBe(1);
    expect(existsSync(out) && readdirSync(out).length > 0).toBe(false);
  });
});
