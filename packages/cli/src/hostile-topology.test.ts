import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { isSoftshareError } from '@softshare/core';
import { decodeSws, encodeSws, reframeSws, swsIO, tinyFunctionalModel } from '@softshare/format';
import { describe, expect, it } from 'vitest';

// Issue 31: a .sws (or model.json) whose topology tfjs would spin on forever, or whose tensor
// table does not fit the topology, is refused with one coded line by every way in.
const bin = fileURLToPath(new URL('../bin/softshare.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'softshare-hostile-'));
const valid = encodeSws(tinyFunctionalModel()).bytes;
/** The middle layer 'bn' removed from the layer list: 'dw' and 'add' still name it. */
const missingInbound = reframeSws(valid, (h) => {
  h.modelTopology.config.layers = h.modelTopology.config.layers.filter((l: { name: string }) => l.name !== 'bn');
  h.tensors = h.tensors.filter((t: { name: string }) => !t.name.startsWith('bn/'));
});
const missingTensor = reframeSws(valid, (h) => {
  h.tensors = h.tensors.filter((t: { name: string }) => t.name !== 'd/bias');
});
const doubledTensor = reframeSws(valid, (h) => {
  h.tensors.push(h.tensors[0]);
});

function cli(...argv: string[]): { status: number | null; stderr: string; ms: number } {
  const t0 = performance.now();
  // a hang would end at the timeout (status null) and fail the test instead of freezing it
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, ms: performance.now() - t0 };
}

describe('a crafted topology', () => {
  it('is refused by decodeSws and by tf.loadLayersModel(swsIO(bytes)) in well under a second', async () => {
    for (const [bytes, code, what] of [
      [missingInbound, 'E_FORMAT_INBOUND', /layer 'dw' .* 'bn', which is not in it/],
      [missingTensor, 'E_FORMAT_WEIGHTS', /no 'd\/bias' for layer 'd'/],
      [doubledTensor, 'E_FORMAT_WEIGHTS', /'c1\/kernel' twice/],
    ] as const) {
      const t0 = performance.now();
      expect(() => decodeSws(bytes)).toThrow(what);
      let error: unknown;
      await tf.loadLayersModel(swsIO(bytes)).catch((e: unknown) => (error = e));
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(isSoftshareError(error, code)).toBe(true);
    }
  });

  it.each([
    ['inspect', (f: string) => ['inspect', f]],
    ['decompress', (f: string) => ['decompress', f, '--out', join(dir, `out-${f.length}-${Math.random()}`)]],
    ['eval', (f: string) => ['eval', '--model', f, '--backend', 'cpu']],
  ])('%s refuses a missing inbound layer and a tensor table that does not fit, with one coded line and nothing written', (_cmd, argv) => {
    for (const [name, bytes, code] of [
      ['missing-inbound.sws', missingInbound, 'E_FORMAT_INBOUND'],
      ['missing-tensor.sws', missingTensor, 'E_FORMAT_WEIGHTS'],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const args = argv(file);
      const r = cli(...args);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`[${code}]`);
      const out = args[args.indexOf('--out') + 1];
      if (args.includes('--out')) expect(existsSync(out) && readdirSync(out).length > 0).toBe(false);
    }
  }, 120_000);

  it('in a plain model.json is refused before tfjs builds it', () => {
    const out = join(dir, 'plain');
    writeFileSync(join(dir, 'valid.sws'), valid);
    const d = cli('decompress', join(dir, 'valid.sws'), '--out', out);
    expect(d.status, d.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: { name: string }[] } } };
    json.modelTopology.config.layers = json.modelTopology.config.layers.filter((l) => l.name !== 'bn');
    writeFileSync(join(out, 'model.json'), JSON.stringify(json));
    const r = cli('eval', '--model', join(out, 'model.json'), '--backend', 'cpu');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/model\.json: Expected layer 'dw' to take its input from a layer of model 'tinyf', got 'bn', which is not in it \[E_FORMAT_INBOUND\]/);
  }, 120_000);
});
