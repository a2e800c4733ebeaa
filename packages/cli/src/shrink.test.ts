import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fileIO, selectBackend } from '@softshare/backend';
import { decodeSws, swsIO, tinyGraphModel } from '@softshare/format';
import { graphArtifacts, pretrainedModelPath } from '@softshare/models';
import { loadAnyModel } from './load-any-model.js';
import { runCaptured as run } from './run-captured.js';

/** The fixture graph model written as tfjs-converter would: model.json + one shard, optionally with its floats as float16 in the manifest. */
function writeGraphModel(dir: string, float16 = false): string {
  mkdirSync(dir, { recursive: true });
  const a = graphArtifacts(tinyGraphModel());
  let specs = a.weightSpecs!;
  let data = new Uint8Array(a.weightData as ArrayBuffer);
  if (float16) {
    // the converter's --quantize_float16: float tensors as IEEE halves, dequantised at load
    const parts: number[] = [];
    const view = new DataView(data.buffer);
    let at = 0;
    specs = specs.map((s) => {
      const n = s.shape.reduce((x, y) => x * y, 1);
      if (s.dtype !== 'float32') {
        for (let i = 0; i < 4 * n; i++) parts.push(data[at + i]);
        at += 4 * n;
        return s;
      }
      for (let i = 0; i < n; i++, at += 4) {
        const half = toHalf(view.getFloat32(at, true));
        parts.push(half & 0xff, half >> 8);
      }
      return { ...s, quantization: { dtype: 'float16' as const, original_dtype: 'float32' as const } } as tf.io.WeightsManifestEntry;
    });
    data = Uint8Array.from(parts);
  }
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', generatedBy: 'test', convertedBy: 'test', modelTopology: a.modelTopology, signature: (a as { signature?: object }).signature, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs }] }));
  writeFileSync(join(dir, 'group1-shard1of1.bin'), data);
  return join(dir, 'model.json');
}

/** float32 -> IEEE half (round to nearest even; the fixture's values are normal numbers). */
function toHalf(f: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, f);
  const x = b.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) return sign;
  mant += 0x1000 + ((mant >>> 13) & 1) - 1;
  if (mant & 0x800000) {
    mant = 0;
    exp++;
  }
  return sign | (exp << 10) | (mant >>> 13);
}

const x = tf.tensor3d(Array.from({ length: 60 }, (_, i) => Math.cos(i) * 0.5 + 0.5), [10, 2, 3]);

describe('softshare shrink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-shrink-'));

  it('shrinks a graph model on synthetic inputs with a warning; the file loads with tf.loadGraphModel and decompresses to a graph model.json', async () => {
    await selectBackend({ backend: 'wasm' });
    const model = writeGraphModel(join(dir, 'graph'));
    const out = join(dir, 'graph.sws');
    const r = await run('shrink', '--model', model, '--out', out, '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/warning: .*synthetic/);
    expect(r.out).toMatch(/fidelity of the written file: top-1 agreement/);
    expect(r.out).toMatch(/graph model/);
    const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(summary.model_kind).toBe('graph');
    expect(summary.within_budget).toBe(true);
    expect(summary.fidelity[0].agreement).toBeGreaterThanOrEqual(0.99);
    const bytes = new Uint8Array(readFileSync(out));
    expect(decodeSws(bytes).header.modelFormat).toBe('graph-model');
    const inspected = await run('inspect', out);
    expect(inspected.out).toMatch(/\(graph-model\)[\s\S]*fidelity \(from .*as shrink measured it\): top-1 agreement/);
    // the report shows the fidelity and every tolerance tried; `softshare report` redraws it
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/Fidelity to the original[\s\S]*top-1 agreement/);
    expect((await run('report', out, '--out', join(dir, 'again.html'))).code).toBe(0);
    expect(readFileSync(join(dir, 'again.html'), 'utf8')).toBe(readFileSync(join(dir, 'report.html'), 'utf8'));
    const restored = await tf.loadGraphModel(swsIO(bytes));
    const original = await tf.loadGraphModel(fileIO(model));
    const a = (restored.predict(x) as tf.Tensor).arraySync() as number[][];
    const b = (original.predict(x) as tf.Tensor).arraySync() as number[][];
    const argmax = (row: number[]) => row.indexOf(Math.max(...row));
    expect(a.map(argmax)).toEqual(b.map(argmax));
    const d = await run('decompress', out, '--out', join(dir, 'graph-dec'));
    expect(d.code, d.err).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'graph-dec', 'model.json'), 'utf8'));
    expect(json.format).toBe('graph-model');
    expect(json.signature).toEqual(tinyGraphModel().graph!.signature);
    const decompressed = await tf.loadGraphModel(fileIO(join(dir, 'graph-dec', 'model.json')));
    expect((decompressed.predict(x) as tf.Tensor).arraySync()).toEqual(a);
    // eval takes layers models and says so about a graph model
    const e = await run('eval', '--model', out, '--data', 'mnist');
    expect([e.code, e.err]).toEqual([1, expect.stringMatching(/graph model.*\[E_MODEL_INCOMPATIBLE\]/)]);
  });

  it('reads weights the converter quantised to float16 as tfjs does', async () => {
    const model = writeGraphModel(join(dir, 'graph16'), true);
    const out = join(dir, 'graph16.sws');
    const { data } = await loadAnyModel(model);
    const fixture = tinyGraphModel();
    data.params.forEach((p, k) => p.values.forEach((v, i) => expect(Math.abs(v - fixture.params[k].values[i])).toBeLessThanOrEqual(Math.abs(fixture.params[k].values[i]) / 1024)));
    expect(Array.from(data.graph!.constants[0].values)).toEqual([-1, 6]);
    const r = await run('shrink', '--model', model, '--out', out, '--backend', 'wasm', '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).model_kind).toBe('graph');
  });

  it('shrinks a layers model on a .npy calibration file within the budget', async () => {
    const n = 64;
    const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, 28, 28), }`;
    const h = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const pixels = Uint8Array.from({ length: n * 784 }, (_, i) => ((i * 2654435761) >>> 24) & 0xff);
    const npy = join(dir, 'cal.npy');
    writeFileSync(npy, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(Uint16Array.of(h.length).buffer), Buffer.from(h), Buffer.from(pixels)]));
    const out = join(dir, 'lenet.sws');
    const r = await run('shrink', '--model', pretrainedModelPath('lenet-300-100'), '--calibration', npy, '--out', out, '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/warning/);
    const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(summary.model_kind).toBe('layers');
    expect(summary.file_ratio).toBeGreaterThan(4);
    expect(summary.points.length).toBeGreaterThan(1);
    expect(summary.tensors.some((t: { shared_values: number | null }) => t.shared_values !== null)).toBe(true);
  }, 60_000);

  it('refuses bad input with one coded line, a non-zero exit and nothing written', async () => {
    const out = join(dir, 'bad.sws');
    const neither = join(dir, 'neither.json');
    writeFileSync(neither, JSON.stringify({ modelTopology: { something: 1 }, weightsManifest: [] }));
    const noShard = join(dir, 'noshard');
    writeGraphModel(noShard);
    writeFileSync(join(noShard, 'model.json'), readFileSync(join(noShard, 'model.json'), 'utf8').replace('group1-shard1of1.bin', 'missing.bin'));
    const wrongCal = join(dir, 'wrong.npy');
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5), }`;
    const h = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    writeFileSync(wrongCal, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(Uint16Array.of(h.length).buffer), Buffer.from(h), Buffer.alloc(40)]));
    const cases: [string[], RegExp][] = [
      [['--model', neither], /neither a tfjs layers model .* nor a graph model.*\[E_MODEL_FORMAT\]/],
      [['--model', join(noShard, 'model.json')], /missing\.bin: file not found \[E_MODEL_NOT_FOUND\]/],
      [['--model', writeGraphModel(join(dir, 'g2')), '--calibration', wrongCal], /examples are \[5\], the model takes \[2, 3\] \[E_DATA_MISMATCH\]/],
    ];
    for (const [args, message] of cases) {
      const r = await run('shrink', ...args, '--out', out, '--backend', 'wasm');
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});
