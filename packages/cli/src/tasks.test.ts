import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.js';

const run = runCaptured;

// Tasks that are not one class per example, through the CLI as a user runs them, on the
// data of tools/make-task-demos.mjs: a CSV regression and a two-headed model from .npy
// files named by a manifest, with two inputs.
describe('regression and multi-input, multi-output models through pretrain, compress, eval, decompress and report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-tasks-'));
  const tool = fileURLToPath(new URL('../../../tools/make-task-demos.mjs', import.meta.url));
  execFileSync(process.execPath, [tool, '--out', dir, '--train', '1200', '--test', '300'], { encoding: 'utf8' });
  const reg = join(dir, 'regression');

  it('trains a regressor on --loss mae, keeps the loss in model.json, and compresses it under the loss budget', async () => {
    const pre = await run('pretrain', '--model', join(reg, 'untrained', 'model.json'), '--data', reg, '--loss', 'mae', '--out', join(dir, 'reg-pre'), '--epochs', '6', '--backend', 'wasm');
    expect(pre.code, pre.err).toBe(0);
    expect(pre.out).toMatch(/^test MAE \d+\.\d+ after 6 epochs/);
    expect(pre.err).toMatch(/validation MAE \d/);
    expect(JSON.parse(readFileSync(join(dir, 'reg-pre', 'model.json'), 'utf8')).trainingConfig.loss).toBe('mean_absolute_error');
    // no --loss: the training config says MAE
    const e = await run('eval', '--model', join(dir, 'reg-pre', 'model.json'), '--data', reg, '--json', '--backend', 'wasm');
    const before = JSON.parse(e.out);
    expect(before).toMatchObject({ metric: 'mae', samples: 300 });
    expect(before.errors).toBeUndefined();
    const out = join(dir, 'reg.sws');
    const r = await run('compress', '--model', join(dir, 'reg-pre', 'model.json'), '--data', reg, '--out', out, '--epochs', '3', '--search-steps', '0', '--max-loss-increase', '0.5', '--json', '--backend', 'wasm');
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const held = lines.filter((l) => l.event === 'point').some((p) => p.withinBudget === 1);
    expect(r.code, r.err).toBe(held ? 0 : 3);
    const summary = JSON.parse(readFileSync(held ? `${out}.json` : join(dir, 'reg.over-budget.sws.json'), 'utf8'));
    expect(summary).toMatchObject({ metric: 'mae', error_before: before.error, task: [{ loss: 'mae', metric: 'mae', weight: 1 }] });
    expect(summary.budget).toMatchObject({ metric: 'mae', max_loss_increase: 0.5 });
    expect(summary.budget.limit).toBeCloseTo(summary.budget.reference_validation_error * 1.5, 9);
    expect(summary.data.classes).toBeUndefined();
    if (held) {
      const after = await run('eval', '--model', out, '--data', reg, '--loss', 'mae', '--json', '--backend', 'wasm');
      expect(JSON.parse(after.out).error).toBe(summary.error_after);
    }
  }, 240_000);

  it('trains and compresses a model with two inputs (floats + bytes) and two heads (classes + a value) from a manifest, decompresses it and reports every output', async () => {
    const data = join(dir, 'multi', 'data.json');
    const pre = await run('pretrain', '--model', join(dir, 'multi', 'untrained', 'model.json'), '--data', data, '--out', join(dir, 'multi-pre'), '--epochs', '4', '--backend', 'wasm');
    expect(pre.code, pre.err).toBe(0);
    const out = join(dir, 'multi.sws');
    const r = await run('compress', '--model', join(dir, 'multi-pre', 'model.json'), '--data', data, '--out', out, '--epochs', '2', '--search-steps', '0', '--max-error-increase', 'off', '--max-loss-increase', 'off', '--quiet', '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/every output: class error \d+\.\d+% \(limit Infinity%\), value MSE [\d.]+ \(limit Infinity\)/);
    const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(summary.task.map((t: { output: string; loss: string }) => [t.output, t.loss])).toEqual([
      ['class', 'categorical-crossentropy'],
      ['value', 'mse'],
    ]);
    expect(summary.test_outputs.map((o: { name: string }) => o.name)).toEqual(['class', 'value']);
    const e = await run('eval', '--model', out, '--data', data, '--json', '--backend', 'wasm');
    const got = JSON.parse(e.out);
    expect(got.outputs.map((o: { value: number }) => o.value)).toEqual(summary.test_outputs.map((o: { after: number }) => o.after));
    const text = await run('eval', '--model', out, '--data', data, '--backend', 'wasm');
    expect(text.out).toMatch(/^test class error \d+\.\d+%, value MSE [\d.]+ on 300 examples on wasm/);
    // the .sws decompressed to a tfjs model computes the same on both inputs
    const dec = await run('decompress', out, '--out', join(dir, 'multi-dec'));
    expect(dec.code, dec.err).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'multi-dec', 'model.json'), 'utf8'));
    expect(json.modelTopology.config.input_layers.map((l: unknown[]) => l[0])).toEqual(['x', 'tag']);
    const back = await run('eval', '--model', join(dir, 'multi-dec', 'model.json'), '--data', data, '--json', '--backend', 'wasm');
    expect(JSON.parse(back.out).outputs).toEqual(got.outputs);
    const report = await run('report', out, '--out', join(dir, 'multi.html'));
    expect(report.code, report.err).toBe(0);
    expect(readFileSync(join(dir, 'multi.html'), 'utf8')).toMatch(/<h2>Every output \(test split\)<\/h2>.*<td>class<\/td><td>error<\/td>.*<td>value<\/td><td>MSE<\/td>/s);
    // one input array for a model with two: one coded line
    const one = await run('eval', '--model', out, '--data', join(dir, 'regression'), '--backend', 'wasm');
    expect([one.code, one.err.trim()]).toEqual([expect.any(Number), expect.stringMatching(/Expected data with one input array per model input \(2: x, tag\), got 1 .*\[E_MODEL_INCOMPATIBLE\]$/)]);
    expect(one.code).not.toBe(0);
  }, 240_000);

  it('refuses a task that does not fit, in one coded line', async () => {
    const model = join(reg, 'untrained', 'model.json');
    const hinge = await run('eval', '--model', model, '--data', reg, '--loss', 'hinge');
    expect([hinge.code, hinge.err.trim()]).toEqual([2, expect.stringMatching(/Expected --loss to be one of categorical-crossentropy, sparse-categorical-crossentropy, binary-crossentropy, mse, mae, got 'hinge'/)]);
    const two = await run('eval', '--model', model, '--data', reg, '--loss', 'mse,mae');
    expect(two.err.trim()).toMatch(/^softshare eval: error: Expected a task for each of the model's 1 output\(s\), got 2 \[E_OPTIONS\]$/);
    const ce = await run('eval', '--model', model, '--data', reg, '--loss', 'categorical-crossentropy');
    expect(ce.err.trim()).toMatch(/^softshare eval: error: categorical-crossentropy needs class labels for output out; these targets are values of shape \[1\] \(use mse, mae or binary-crossentropy\) \[E_MODEL_INCOMPATIBLE\]$/);
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });
});
