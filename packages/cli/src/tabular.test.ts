import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.js';

const run = runCaptured;

// A model and data no default was tuned on, through the CLI as a user runs it: a CSV task
// and an untrained MLP from tools/make-tabular-demo.mjs, pretrained, then compressed with
// the default budget. Its MAP file falls off the quantisation cliff (the float model keeps
// the budget, the file does not); before the budget, compress wrote such a file with exit 0.
describe('a tabular model of our own under the accuracy budget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-tabular-'));
  const tool = fileURLToPath(new URL('../../../tools/make-tabular-demo.mjs', import.meta.url));

  it('repairs the cliff (rule ml, then prune-and-recover) and writes only a file that keeps the budget', async () => {
    execFileSync(process.execPath, [tool, '--out', dir], { encoding: 'utf8' });
    const pre = await run('pretrain', '--model', join(dir, 'untrained', 'model.json'), '--data', dir, '--out', join(dir, 'pre'), '--epochs', '20', '--backend', 'wasm');
    expect(pre.code, pre.err).toBe(0);
    const out = join(dir, 'm.sws');
    const r = await run('compress', '--model', join(dir, 'pre', 'model.json'), '--data', dir, '--out', out, '--search-steps', '0', '--json', '--backend', 'wasm');
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const points = lines.filter((l) => l.event === 'point');
    const [map, ml, pruned] = points;
    // the cliff: the float model within the budget, its MAP file far over it
    expect(map).toMatchObject({ rule: 'map', withinBudget: 0 });
    expect(ml).toMatchObject({ rule: 'ml' });
    expect(ml.validationError).toBeLessThan(map.validationError);
    // prune-and-recover: the zero component held at 0 for more epochs, the rest relearns
    expect(pruned).toMatchObject({ rule: 'map pruned' });
    expect(pruned.validationError).toBeLessThan(ml.validationError);
    const held = points.some((p) => p.withinBudget === 1);
    expect(r.code, r.err).toBe(held ? 0 : 3);
    expect(existsSync(out)).toBe(held);
    const summary = JSON.parse(readFileSync(held ? `${out}.json` : join(dir, 'm.over-budget.sws.json'), 'utf8'));
    expect(summary.budget.points.map((p: { rule: string; pruned?: boolean }) => `${p.rule}${p.pruned ? ' pruned' : ''}`)).toEqual(points.map((p) => p.rule));
    expect(summary.data).toMatchObject({ example_shape: [20], divided_by: 1, classes: 6 });
  }, 240_000);

  it('records the preprocessing it trained with in the .sws, and eval applies it', async () => {
    const flags = ['--input-mean', '0.5', '--input-std', '4'];
    const pre = await run('pretrain', '--model', join(dir, 'untrained', 'model.json'), '--data', dir, ...flags, '--out', join(dir, 'pre-n'), '--epochs', '5', '--backend', 'wasm');
    expect(pre.code, pre.err).toBe(0);
    const out = join(dir, 'n.sws');
    const r = await run('compress', '--model', join(dir, 'pre-n', 'model.json'), '--data', dir, ...flags, '--out', out, '--search-steps', '0', '--max-error-increase', 'off', '--quiet', '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(summary.data).toMatchObject({ divided_by: 1, mean: [0.5], std: [4] });
    const info = JSON.parse((await run('inspect', out, '--json')).out);
    expect([info.version, info.preprocessing]).toEqual(['2.3', { divisor: 1, mean: [0.5], std: [4] }]);
    // no flags: eval reads what the file recorded and gets the error compress reported
    const e = await run('eval', '--model', out, '--data', dir, '--json', '--backend', 'wasm');
    expect(JSON.parse(e.out).error).toBe(summary.error_after);
    // the same model fed other inputs is another model: flags override the record
    const other = await run('eval', '--model', out, '--data', dir, '--input-std', '1', '--json', '--backend', 'wasm');
    expect(JSON.parse(other.out).error).not.toBe(summary.error_after);
    const bad = await run('eval', '--model', out, '--data', dir, '--input-std', '1,2');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/expected std to have 1 value or one per channel \(20, the last axis of \[20\]\), got 2 \[E_OPTIONS\]/);
  }, 240_000);
});
