import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { errorLine } from '@softshare/core';
import { loadData } from './index.js';

/** A w x h image file whose every pixel is `rgb`. */
function image(path: string, w: number, h: number, rgb: [number, number, number]): void {
  const data = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) data.set([...rgb, 255], 4 * p);
  if (path.endsWith('.png')) {
    const png = new PNG({ width: w, height: h });
    data.copy(png.data);
    writeFileSync(path, PNG.sync.write(png));
  } else {
    writeFileSync(path, jpeg.encode({ width: w, height: h, data }, 100).data);
  }
}

function tree(files: Record<string, [number, number, [number, number, number]]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-images-'));
  for (const [name, [w, h, rgb]] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    image(join(dir, name), w, h, rgb);
  }
  return dir;
}

describe('image class folders', () => {
  it('decodes PNG and JPEG into one split per folder, classes in name order, grey images as [h, w]', () => {
    const colour = tree({
      'train/cat/a.png': [3, 2, [200, 10, 10]],
      'train/cat/b.jpg': [3, 2, [190, 20, 20]],
      'train/ant/x.png': [3, 2, [10, 10, 200]],
      'test/cat/c.png': [3, 2, [210, 0, 0]],
      'test/ant/y.png': [3, 2, [0, 0, 220]],
    });
    const d = loadData(colour);
    expect([d.train.count, d.train.shape, d.numClasses, d.classNames, Array.from(d.train.labels!), Array.from(d.test.labels!)]).toEqual([3, [2, 3, 3], 2, ['ant', 'cat'], [0, 1, 1], [0, 1]]);
    // the first training image is ant/x.png: blue, exactly (PNG is lossless)
    expect(Array.from(d.train.inputs.subarray(0, 3))).toEqual([10, 10, 200]);
    const grey = tree({ 'train/0/a.png': [4, 4, [7, 7, 7]], 'train/1/b.png': [4, 4, [90, 90, 90]], 'test/1/c.png': [4, 4, [80, 80, 80]] });
    const g = loadData(grey);
    expect([g.train.shape, g.test.shape, Array.from(g.test.labels!), g.train.divisor]).toEqual([[4, 4], [4, 4], [1], 255]);
  });

  it('refuses images of different sizes, a test class the training split lacks, or no test folder, in one coded line', () => {
    const line = (dir: string) => errorLine(() => loadData(dir));
    expect(line(tree({ 'train/a/1.png': [2, 2, [0, 0, 0]], 'train/a/2.png': [3, 2, [0, 0, 0]], 'test/a/3.png': [2, 2, [0, 0, 0]] }))).toMatch(/^E_DATA_MISMATCH: .*2\.png: expected 2x2 like .*1\.png, got 3x2$/);
    expect(line(tree({ 'train/a/1.png': [2, 2, [0, 0, 0]], 'test/b/2.png': [2, 2, [0, 0, 0]] }))).toMatch(/^E_DATA_MISMATCH: .*test: class folder "b" is not among the training classes \(a\)$/);
    expect(line(tree({ 'train/a/1.png': [2, 2, [0, 0, 0]] }))).toMatch(/^E_DATA_NOT_FOUND: Expected .* to hold test\/<class>\/ folders beside train\/, got no test folder$/);
  });
});
