import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SoftshareError } from '@softshare/core';

/**
 * Create `dir` and its parents, one level at a time (node's recursive mkdir can loop
 * forever on some special filesystems, e.g. /proc), then prove it is writable with a
 * probe file. Throws E_IO with one clear line. Call it before long work, not after.
 */
export function ensureWritableDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let at = abs;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  try {
    for (const d of missing) mkdirSync(d);
    const probe = join(abs, `.softshare-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (cause) {
    throw new SoftshareError('E_IO', 'backend', `Cannot write to directory ${dir}: ${(cause as Error).message}`, { cause });
  }
}

/** Write `data` to `path` atomically: temp file, fsync, rename. Never a half-written file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (cause) {
    rmSync(tmp, { force: true });
    throw new SoftshareError('E_IO', 'backend', `Cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
}

function readOrThrow(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : (cause as Error).message;
    throw new SoftshareError('E_MODEL_NOT_FOUND', 'backend', `Cannot read ${what} ${path}: ${why}`, { cause });
  }
}

/** Load tfjs ModelArtifacts from a model.json and the weight files it lists. */
export function loadModelArtifacts(modelJsonPath: string): tf.io.ModelArtifacts {
  const path = resolve(modelJsonPath);
  const text = readOrThrow(path, 'model file').toString('utf8');
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(text) as tf.io.ModelJSON;
  } catch (cause) {
    throw new SoftshareError('E_MODEL_FORMAT', 'backend', `Expected ${path} to be JSON, got a parse error: ${(cause as Error).message}`, { cause });
  }
  if (json === null || typeof json !== 'object' || json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
    throw new SoftshareError('E_MODEL_FORMAT', 'backend', `Expected ${path} to be a tfjs model.json (layers or graph) with modelTopology and weightsManifest, got something else`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) buffers.push(readOrThrow(join(dirname(path), p), 'weights file'));
    specs.push(...group.weights);
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new ArrayBuffer(total);
  const view = new Uint8Array(weightData);
  let at = 0;
  for (const b of buffers) {
    view.set(b, at);
    at += b.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
    ...(json.signature ? { signature: json.signature } : {}),
    ...(json.modelInitializer ? { modelInitializer: json.modelInitializer } : {}),
    weightSpecs: specs,
    weightData,
  };
}

/** Write ModelArtifacts as `<dir>/model.json` + `<dir>/weights.bin`, each atomically. */
export function saveModelArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): tf.io.SaveResult {
  ensureWritableDir(dir);
  const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    ...(artifacts.signature ? { signature: artifacts.signature } : {}),
  };
  writeFileAtomic(join(dir, 'weights.bin'), new Uint8Array(weightData));
  writeFileAtomic(join(dir, 'model.json'), JSON.stringify(modelJson));
  return {
    modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }),
  };
}

/**
 * A tfjs IOHandler for a model directory or model.json path on the local disk; works
 * without tfjs-node. Saving writes `model.json` + `weights.bin` into `path` (a directory).
 *
 * @example
 * const model = await tf.loadLayersModel(fileIO('pretrained/lenet-300-100/model.json'));
 * await model.save(fileIO('out/my-model'));
 */
export function fileIO(path: string): tf.io.IOHandler {
  return {
    load: async () => loadModelArtifacts(path.endsWith('.json') ? path : join(path, 'model.json')),
    save: async (artifacts) => saveModelArtifacts(path.endsWith('.json') ? dirname(path) : path, artifacts),
  };
}
