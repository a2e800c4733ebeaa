import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse } from 'npyjs';
import { Rng, SoftshareError } from '@softshare/core';
import { decodeImage } from './image-folder.js';
import { exampleSize, type DataSplit } from './mnist.js';
import { normaliseInPlace, splitWithPreprocessing, type Preprocessing } from './preprocessing.js';

const IMAGES = new Set(['.png', '.jpg', '.jpeg']);

/** Unlabelled inputs: what a model's outputs are compared on when there are no labels. */
export type Calibration = Omit<DataSplit, 'labels' | 'targets'>;

function fail(message: string): never {
  throw new SoftshareError('E_DATA_MISMATCH', 'data', message);
}

/** A flat folder of images, each [height, width] (channels 1) or [height, width, 3]: the model's channel count decides. */
function imagesOf(dir: string, channels: number, limit: number): Calibration {
  const files = readdirSync(dir)
    .filter((f) => IMAGES.has(extname(f).toLowerCase()))
    .sort()
    .slice(0, limit);
  if (files.length === 0) throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected .png or .jpg images in the calibration folder ${dir}, got none`);
  if (channels !== 1 && channels !== 3) fail(`${dir}: the model takes ${channels} channels per pixel; images give 1 (grey) or 3 (RGB): pass a .npy file instead`);
  const first = decodeImage(join(dir, files[0]));
  const px = first.width * first.height;
  const inputs = new Uint8Array(files.length * px * channels);
  files.forEach((f, i) => {
    const im = i === 0 ? first : decodeImage(join(dir, f));
    if (im.width !== first.width || im.height !== first.height) fail(`${join(dir, f)}: expected ${first.width}x${first.height} like ${files[0]}, got ${im.width}x${im.height}`);
    for (let p = 0; p < px; p++) {
      const at = (i * px + p) * channels;
      if (channels === 3) for (let c = 0; c < 3; c++) inputs[at + c] = im.rgba[4 * p + c];
      // grey: the luma of the RGB (equal to the value itself for a grey image)
      else inputs[at] = Math.round(0.299 * im.rgba[4 * p] + 0.587 * im.rgba[4 * p + 1] + 0.114 * im.rgba[4 * p + 2]);
    }
  });
  return { count: files.length, shape: channels === 1 ? [first.height, first.width, 1] : [first.height, first.width, 3], inputs, divisor: 255 };
}

/** A .npy file of inputs [count, ...example shape]: uint8 (divided by 255) or float (as they are). */
function npyOf(path: string, limit: number): Calibration {
  const bytes = readFileSync(path);
  let a;
  try {
    a = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (cause) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `${path}: not a readable .npy file (${String((cause as Error).message).split('\n')[0]})`, { cause });
  }
  if (a.fortranOrder) fail(`${path}: expected C (row-major) order, got Fortran order; save it with np.save(np.ascontiguousarray(x))`);
  if (a.shape.length < 2) fail(`${path}: expected at least 2 dimensions [count, ...example shape], got [${a.shape.join(', ')}]`);
  const shape = a.shape.slice(1);
  const count = Math.min(a.shape[0], limit);
  const n = count * shape.reduce((x, y) => x * y, 1);
  if (a.dtype === 'u1') return { count, shape, inputs: (a.data as Uint8Array).subarray(0, n), divisor: 255 };
  if (a.dtype === 'f4' || a.dtype === 'f8' || a.dtype === 'f2') return { count, shape, inputs: Float32Array.from((a.data as unknown as Float64Array).subarray(0, n)), divisor: 1 };
  return fail(`${path}: expected uint8 or float inputs, got dtype ${a.dtype}`);
}

/**
 * Calibration inputs from a flat folder of .png / .jpg images or a .npy file, at most
 * `limit` of them (in name order), with the preprocessing given (else uint8 / 255, floats
 * as they are). `channels`: the model's channels per pixel, for images.
 *
 * @example
 * const cal = loadCalibration('photos/', { channels: 3, preprocessing: { mean: [0.5], std: [0.5] } });
 */
export function loadCalibration(path: string, options: { channels?: number; limit?: number; preprocessing?: Partial<Preprocessing> } = {}): Calibration {
  if (!existsSync(path)) throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Cannot read calibration inputs ${path}: file not found`);
  const limit = options.limit ?? 512;
  const c = statSync(path).isDirectory() ? imagesOf(path, options.channels ?? 1, limit) : path.endsWith('.npy') ? npyOf(path, limit) : fail(`${path}: expected a folder of images or a .npy file`);
  return options.preprocessing ? splitWithPreprocessing(c, options.preprocessing) : c;
}

/**
 * Synthetic inputs when the user has none: `count` examples of uniform values in [0, 1)
 * (what divided pixels look like), seeded. Agreement on them says little about real inputs.
 */
export function syntheticCalibration(shape: readonly number[], count: number, seed: number, preprocessing?: Partial<Preprocessing>): Calibration {
  const rng = new Rng(seed);
  const n = count * shape.reduce((x, y) => x * y, 1);
  const c: Calibration = { count, shape: [...shape], inputs: Float32Array.from({ length: n }, () => rng.next()), divisor: 1 };
  return preprocessing ? splitWithPreprocessing(c, preprocessing) : c;
}

/** Examples [from, to) as the model takes them: divided, then normalised. */
export function calibrationInputs(c: Calibration, from: number, to: number): Float32Array {
  const px = exampleSize(c);
  const x = Float32Array.from(c.inputs.subarray(from * px, to * px), (v) => v / c.divisor);
  normaliseInPlace(x, c);
  return x;
}
