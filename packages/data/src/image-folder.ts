import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { SoftshareError } from '@softshare/core';
import type { Dataset, DataSplit } from './mnist.js';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Whether `dir` looks like an image folder: a `train` folder of class folders. */
export function isImageFolder(dir: string): boolean {
  const train = join(dir, 'train');
  return existsSync(train) && statSync(train).isDirectory() && readdirSync(train).some((d) => statSync(join(train, d)).isDirectory());
}

/** One decoded image as RGBA bytes. */
export function decodeImage(path: string): { width: number; height: number; rgba: Uint8Array } {
  const bytes = readFileSync(path);
  try {
    if (extname(path).toLowerCase() === '.png') {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, rgba: img.data };
  } catch (cause) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `${path}: not a readable image (${String((cause as Error).message).split('\n')[0]})`, { cause });
  }
}

function listSplit(dir: string, classes: readonly string[]): { path: string; label: number }[] {
  const found = readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory());
  const unknown = found.filter((c) => !classes.includes(c));
  if (unknown.length > 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${dir}: class folder ${unknown.map((c) => `"${c}"`).join(', ')} is not among the training classes (${classes.join(', ')})`);
  return classes.flatMap((c, label) => {
    const folder = join(dir, c);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((f) => EXTENSIONS.has(extname(f).toLowerCase()))
      .sort()
      .map((f) => ({ path: join(folder, f), label }));
  });
}

function toSplit(files: { path: string; label: number }[], what: string): { split: DataSplit; grey: boolean } {
  if (files.length === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what}: expected at least one .png or .jpg image in its class folders, got none`);
  const images = files.map((f) => ({ ...f, ...decodeImage(f.path) }));
  const { width, height } = images[0];
  for (const im of images) {
    if (im.width !== width || im.height !== height) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${im.path}: expected ${width}x${height} like ${images[0].path}, got ${im.width}x${im.height}`);
  }
  const px = width * height;
  const grey = images.every((im) => {
    for (let p = 0; p < px; p++) if (im.rgba[4 * p] !== im.rgba[4 * p + 1] || im.rgba[4 * p] !== im.rgba[4 * p + 2]) return false;
    return true;
  });
  const channels = grey ? 1 : 3;
  const inputs = new Uint8Array(images.length * px * channels);
  images.forEach((im, i) => {
    for (let p = 0; p < px; p++) for (let c = 0; c < channels; c++) inputs[(i * px + p) * channels + c] = im.rgba[4 * p + c];
  });
  const shape = grey ? [height, width] : [height, width, 3];
  return { split: { count: images.length, shape, inputs, divisor: 255, labels: Uint8Array.from(images, (im) => im.label) }, grey };
}

/**
 * A classification dataset from image files: `train/<class>/*.png|jpg` and
 * `test/<class>/...`, decoded in pure JS (pngjs, jpeg-js). Classes are the training class
 * folders in name order; files are read in name order. Every image has one size; the
 * examples are [height, width] when every pixel of every image is grey (R = G = B), else
 * [height, width, 3] (alpha dropped); uint8, divided by 255.
 *
 * @example
 * const data = loadImageFolder('flowers/'); // flowers/train/daisy/1.jpg, ...
 */
export function loadImageFolder(dir: string): Dataset {
  const trainDir = join(dir, 'train');
  const testDir = join(dir, 'test');
  if (!existsSync(testDir) || !statSync(testDir).isDirectory()) throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected ${dir} to hold test/<class>/ folders beside train/, got no test folder`);
  const classes = readdirSync(trainDir).filter((d) => statSync(join(trainDir, d)).isDirectory()).sort();
  if (classes.length > 256) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${trainDir}: expected at most 256 class folders, got ${classes.length}`);
  const train = toSplit(listSplit(trainDir, classes), trainDir);
  const test = toSplit(listSplit(testDir, classes), testDir);
  // one channel layout for both splits: colour if either has colour
  const colour = !train.grey || !test.grey;
  const widen = (s: DataSplit): DataSplit => (s.shape.length === 3 || !colour ? s : { ...s, shape: [...s.shape, 3], inputs: Uint8Array.from({ length: s.inputs.length * 3 }, (_, k) => s.inputs[Math.floor(k / 3)]) });
  const [a, b] = [widen(train.split), widen(test.split)];
  if (a.shape.join('x') !== b.shape.join('x')) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected train and test images of one size, got ${a.shape.join('x')} and ${b.shape.join('x')}`);
  return { name: dir, train: a, test: b, numClasses: classes.length, classNames: classes };
}
