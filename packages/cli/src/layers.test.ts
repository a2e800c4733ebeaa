import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.js';

const run = runCaptured;

// The models of tools/make-layer-demos.mjs through every command, on tiny budgets: a
// functional ResNet (BatchNorm, residual Add), a MobileNet-style CNN (DepthwiseConv2D,
// SeparableConv2D, ReLU6) and an Embedding + GRU classifier, on the default backend.
describe('functional, mobile and recurrent models through pretrain, compress, eval, decompress and report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-layers-'));
  const tool = fileURLToPath(new URL('../../../tools/make-layer-demos.mjs', import.meta.url));
  execFileSync(process.execPath, [tool, '--out', dir, '--train', '1500', '--test', '300'], { encoding: 'utf8' });
  const config = join(dir, 'tiny.json');
  // BatchNormalization kept (the default: held while retraining, the kernels before it balanced), so decompress --fold-batchnorm has some to fold
  writeFileSync(config, JSON.stringify({ retrain: { epochs: 1, trainLimit: 600, warmupEpochs: 0, batchSize: 64 }, tune: { epochs: 1, trainLimit: 600, batchSize: 64 }, budget: { maxErrorIncrease: null, steps: 0 } }));

  it.each([
    ['resnet', 'mnist', ['b1_add']],
    ['mobile', 'mnist', ['dw1/depthwise_kernel', 'sep2/pointwise_kernel']],
    ['gru', 'sequences', ['gru/recurrent_kernel', 'emb/embeddings']],
  ])('%s', async (name, data, expected) => {
    const dataArg = data === 'mnist' ? 'mnist' : join(dir, data);
    const pre = await run('pretrain', '--model', join(dir, name, 'model.json'), '--data', dataArg, '--out', join(dir, `${name}-pre`), '--epochs', '1', '--train-limit', '600', '--batch-size', '64', '--validation', '300', '--backend', 'wasm');
    expect(pre.code, pre.err).toBe(0);
    const out = join(dir, `${name}.sws`);
    const c = await run('compress', '--model', join(dir, `${name}-pre`, 'model.json'), '--data', dataArg, '--validation', '300', '--out', out, '--config', config, '--quiet', '--backend', 'wasm');
    expect(c.code, c.err).toBe(0);
    const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    const topology = readFileSync(join(dir, `${name}-pre`, 'model.json'), 'utf8');
    for (const e of expected) expect(`${topology}\n${c.out}`).toContain(e);
    const e = await run('eval', '--model', out, '--data', dataArg, '--json', '--backend', 'wasm');
    expect(JSON.parse(e.out).error).toBe(summary.error_after);
    expect((await run('decompress', out, '--out', join(dir, `${name}-dec`))).code).toBe(0);
    const again = await run('eval', '--model', join(dir, `${name}-dec`, 'model.json'), '--data', dataArg, '--json', '--backend', 'wasm');
    expect(JSON.parse(again.out).error).toBe(summary.error_after);
    // with BatchNormalization folded into the convolutions before it: fewer layers, the same predictions but for float rounding
    const folded = await run('decompress', out, '--out', join(dir, `${name}-fold`), '--fold-batchnorm');
    expect(folded.out).toMatch(name === 'gru' ? /0 BatchNormalization layers folded\)/ : /[1-9]\d* BatchNormalization layers? folded: /);
    const foldedEval = await run('eval', '--model', join(dir, `${name}-fold`, 'model.json'), '--data', dataArg, '--json', '--backend', 'wasm');
    expect(Math.abs(JSON.parse(foldedEval.out).error - summary.error_after)).toBeLessThanOrEqual(1 / 300 + 1e-12);
    expect((await run('report', out, '--out', join(dir, `${name}.html`))).code).toBe(0);
    expect(existsSync(join(dir, `${name}.html`))).toBe(true);
  }, 240_000);
});
