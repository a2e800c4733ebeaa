import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { isSoftshareError } from '@softshare/core';
import { calibrationInputs, loadCalibration, syntheticCalibration } from './index.js';

function png(path: string, w: number, h: number, rgb: (p: number) => [number, number, number]) {
  const img = new PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) {
    const [r, g, b] = rgb(p);
    img.data.set([r, g, b, 255], 4 * p);
  }
  writeFileSync(path, PNG.sync.write(img));
}

function npy(path: string, shape: number[], values: Float32Array) {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  const h = header + ' '.repeat(pad) + '\n';
  const pre = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(Uint16Array.of(h.length).buffer), Buffer.from(h)]);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(values.buffer)]));
}

describe('calibration inputs', () => {
  it('reads a flat folder of images as grey or RGB, in name order, scaled by the preprocessing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cal-'));
    png(join(dir, 'b.png'), 2, 2, () => [255, 0, 0]);
    png(join(dir, 'a.png'), 2, 2, (p) => [p * 10, p * 10, p * 10]);
    const grey = loadCalibration(dir, { channels: 1 });
    expect(grey.shape).toEqual([2, 2, 1]);
    expect(Array.from(grey.inputs.subarray(0, 4))).toEqual([0, 10, 20, 30]);
    const rgb = loadCalibration(dir, { channels: 3, preprocessing: { mean: [0.5], std: [0.5] } });
    expect(rgb.shape).toEqual([2, 2, 3]);
    expect(Array.from(calibrationInputs(rgb, 1, 2).subarray(0, 3))).toEqual([1, -1, -1]);
    png(join(dir, 'c.png'), 3, 2, () => [0, 0, 0]);
    expect(() => loadCalibration(dir)).toThrow(/expected 2x2 like a.png, got 3x2/);
  });

  it('reads a .npy file of float inputs and refuses what is not one, with a code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cal-'));
    npy(join(dir, 'x.npy'), [3, 2], Float32Array.of(1, 2, 3, 4, 5, 6));
    const c = loadCalibration(join(dir, 'x.npy'), { limit: 2 });
    expect([c.count, ...c.shape]).toEqual([2, 2]);
    expect(Array.from(calibrationInputs(c, 0, 2))).toEqual([1, 2, 3, 4]);
    writeFileSync(join(dir, 'y.npy'), 'not numpy');
    for (const bad of [join(dir, 'y.npy'), join(dir, 'missing'), join(dir, 'x.txt')]) {
      writeFileSync(join(dir, 'x.txt'), '');
      let code = 'none';
      try {
        loadCalibration(bad);
      } catch (e) {
        code = isSoftshareError(e) ? e.code : 'other';
      }
      expect(code).toMatch(/^E_DATA_/);
    }
  });

  it('synthetic inputs are seeded uniforms in [0, 1)', () => {
    const a = syntheticCalibration([4, 4, 1], 3, 7);
    const b = syntheticCalibration([4, 4, 1], 3, 7);
    expect(a.inputs).toEqual(b.inputs);
    expect(Array.from(a.inputs).every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
