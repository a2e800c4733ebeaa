import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeIdx, MNIST_FILES } from '@softshare/data';
import { pretrainedModelPath } from '@softshare/models';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.js';
import { pipelineName } from '@softshare/pipeline';
import { loadPipelineConfig } from './load-config.js';

const run = runCaptured;

function oneLine(text: string): void {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
}

describe('softshare eval', () => {
  it.each([
    ['lenet-300-100', 0.019],
    ['lenet-5-caffe', 0.009],
  ] as const)('the shipped pretrained %s meets the issue’s error bound', async (name, bound) => {
    const { code, out } = await run('eval', '--model', pretrainedModelPath(name), '--data', 'mnist', '--json', '--backend', 'wasm');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { error: number; samples: number; backend: string };
    expect(result.samples).toBe(10000);
    expect(result.backend).toBe('wasm');
    expect(result.error).toBeLessThanOrEqual(bound);
  }, 120_000);

  it('rejects a corrupt IDX file with one line and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'softshare-cli-'));
    for (const f of Object.values(MNIST_FILES)) writeFileSync(join(dir, f), encodeIdx([1], new Uint8Array([1])));
    writeFileSync(join(dir, MNIST_FILES.trainImages), encodeIdx([2, 28, 28], new Uint8Array(2 * 784)).subarray(0, 100));
    const { code, err } = await run('eval', '--model', pretrainedModelPath('lenet-300-100'), '--data', dir, '--backend', 'wasm');
    expect(code).toBe(1);
    oneLine(err);
    expect(err).toMatch(/train-images-idx3-ubyte: expected 1584 bytes for dimensions \[2, 28, 28\], got 100 \(truncated\) \[E_IDX_TRUNCATED\]/);
  });

  it('rejects a missing model file with one line and exit 1', async () => {
    const { code, err } = await run('eval', '--model', '/nope/model.json', '--backend', 'wasm');
    expect(code).toBe(1);
    oneLine(err);
    expect(err).toMatch(/Cannot read model file \/nope\/model.json: file not found \[E_MODEL_NOT_FOUND\]/);
  });

  it('rejects an unknown backend name with one line and exit 1', async () => {
    const { code, err } = await run('eval', '--model', pretrainedModelPath('lenet-300-100'), '--backend', 'gpu');
    expect(code).toBe(1);
    oneLine(err);
    expect(err).toMatch(/Expected backend to be one of node, wasm, cpu, got 'gpu'/);
  });

  it('rejects unknown flags, missing options and unknown commands with exit 2', async () => {
    for (const argv of [['eval', '--modle', 'x'], ['eval'], ['frobnicate'], ['pretrain', '--model', 'lenet-300-100', '--out', 'x', '--epochs', '0']]) {
      const { code, err } = await run(...argv);
      expect(code, argv.join(' ')).toBe(2);
      oneLine(err);
    }
  });

  it('prints help with every option and its default', async () => {
    const { code, out } = await run('pretrain', '--help');
    expect(code).toBe(0);
    expect(out).toMatch(/--epochs <value>\s+passes over the training set \(default: 20\)/);
    expect(out).toMatch(/--out <value>\s+output directory \(required\)/);
  });
});

describe('bad inputs', () => {
  it('refuses a model with NaN weights in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'softshare-nan-'));
    const r = await run('pretrain', '--model', 'lenet-300-100', '--out', dir, '--epochs', '1', '--train-limit', '128', '--backend', 'wasm');
    expect(r.code).toBe(0);
    const bin = readFileSync(join(dir, 'weights.bin'));
    new DataView(bin.buffer, bin.byteOffset).setFloat32(8, NaN, true);
    writeFileSync(join(dir, 'weights.bin'), bin);
    const e = await run('eval', '--model', join(dir, 'model.json'), '--backend', 'wasm');
    expect(e.code).toBe(1);
    oneLine(e.err);
    expect(e.err).toMatch(/Expected finite weights in .*model.json, got NaN in fc1\/kernel\[2\] \[E_MODEL_FORMAT\]/);
  }, 60_000);

  it('reports an output folder that cannot be created in one line, before any training', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'softshare-out-')), 'a-file');
    writeFileSync(file, 'not a folder');
    for (const argv of [
      ['pretrain', '--model', 'lenet-300-100', '--out', join(file, 'x'), '--epochs', '1', '--train-limit', '128'],
      ['compress', '--model', pretrainedModelPath('lenet-300-100'), '--out', join(file, 'x', 'm.sws')],
    ]) {
      const r = await run(...argv, '--backend', 'wasm');
      expect(r.code).toBe(1);
      oneLine(r.err);
      expect(r.err).toMatch(/Cannot write to directory .*a-file\/x.*\[E_IO\]/);
      expect(r.err).not.toMatch(/epoch/);
    }
  }, 60_000);
});

describe('softshare pretrain', () => {
  it('trains from an architecture name and writes a model that eval reads', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'softshare-pre-')), 'model');
    const r = await run('pretrain', '--model', 'lenet-300-100', '--out', out, '--epochs', '1', '--train-limit', '3000', '--json', '--backend', 'wasm');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop()!) as { error: number; train_samples: number };
    expect(result.train_samples).toBe(3000);
    expect(existsSync(join(out, 'weights.bin'))).toBe(true);
    const e = await run('eval', '--model', join(out, 'model.json'), '--json', '--backend', 'wasm');
    expect(JSON.parse(e.out).error).toBe(result.error);
  }, 60_000);
});

describe('softshare --version', () => {
  it('prints the package version and exits 0', async () => {
    const r = await run('--version');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe((JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string }).version);
  });
});

describe('the installed binary', () => {
  it('runs as a process and exits non-zero with one line on bad input', () => {
    const bin = fileURLToPath(new URL('../bin/softshare.js', import.meta.url));
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [bin, 'eval', '--model', '/nope/model.json'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = (e as { stderr: string }).stderr;
    }
    expect(status).toBe(1);
    oneLine(stderr);
  }, 60_000);

  it('stops quietly when its reader closes the pipe early (| head)', () => {
    const bin = fileURLToPath(new URL('../bin/softshare.js', import.meta.url));
    const sws = fileURLToPath(new URL('../../../results/lenet-300-100.sws', import.meta.url));
    // `true` exits without reading, so every write meets a closed pipe (EPIPE)
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" inspect "${sws}" | true`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});

describe('shipped configs', () => {
  it('every configs/*.json loads, and a sparsify section selects sparsify -> tune', async () => {
    const dir = fileURLToPath(new URL('../../../configs/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const raw = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      const config = await loadPipelineConfig(join(dir, f));
      expect(pipelineName(config).startsWith('sparsify')).toBe(raw.sparsify !== undefined);
    }
  });
});
