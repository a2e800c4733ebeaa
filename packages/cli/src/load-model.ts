import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadModelArtifacts } from '@softshare/backend';
import { SoftshareError } from '@softshare/core';
import { checkTopologyWeights, swsIO } from '@softshare/format';
import { buildModel, MODEL_NAMES, type ModelName } from '@softshare/models';

/** Read a file the user named, with a one-line error. */
export function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (cause as Error).message;
    throw new SoftshareError('E_MODEL_NOT_FOUND', 'cli', `Cannot read ${what} ${path}: ${why}`, { cause });
  }
}

/** Check every weight is finite; a NaN/Inf weight gives a wrong model silently otherwise. */
export function assertFiniteWeights(model: tf.LayersModel, path: string): void {
  for (const w of model.weights) {
    const v = w.read().dataSync();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        throw new SoftshareError('E_MODEL_FORMAT', 'cli', `Expected finite weights in ${path}, got ${v[i]} in ${w.originalName ?? w.name}[${i}]`);
      }
    }
  }
}

/** Load a tfjs layers model from a model.json path, with one-line errors. */
export async function loadLayersModelFile(path: string): Promise<tf.LayersModel> {
  const artifacts = loadModelArtifacts(path);
  // tfjs loops forever on some broken graphs: check the topology and the weights it needs first
  try {
    checkTopologyWeights(artifacts.modelTopology, artifacts.weightSpecs ?? []);
  } catch (cause) {
    if (cause instanceof SoftshareError) throw new SoftshareError(cause.code, 'cli', `${path}: ${cause.message}`, { cause });
    throw cause;
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (cause) {
    throw new SoftshareError('E_MODEL_FORMAT', 'cli', `Cannot build a tfjs layers model from ${path}: ${String((cause as Error).message).split('\n')[0]}`, { cause });
  }
  assertFiniteWeights(model, path);
  return model;
}

/** Load a model from a model.json or a .sws file. */
export async function loadModelFile(path: string): Promise<tf.LayersModel> {
  if (!path.endsWith('.sws')) return loadLayersModelFile(path);
  try {
    return await tf.loadLayersModel(swsIO(readInput(path, 'model file')));
  } catch (cause) {
    // the decoder's checks come first; anything tfjs still refuses gets a code and one line too
    if (cause instanceof SoftshareError) throw cause;
    throw new SoftshareError('E_MODEL_FORMAT', 'cli', `Cannot build a tfjs layers model from ${path}: ${String((cause as Error).message).split('\n')[0]}`, { cause });
  }
}

/** A model named by the user: a shipped architecture name (fresh weights) or a model.json path. */
export async function modelFromArg(arg: string, seed: number): Promise<tf.LayersModel> {
  if ((MODEL_NAMES as readonly string[]).includes(arg)) return buildModel(arg as ModelName, seed);
  return loadLayersModelFile(arg);
}

