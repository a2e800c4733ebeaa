import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadModelArtifacts } from '@softshare/backend';
import { SoftshareError } from '@softshare/core';
import { checkTopologyWeights, readSwsHeader, swsIO } from '@softshare/format';
import { buildModel, isGraphArtifacts, MODEL_NAMES, outputNamesOf, taskOfTrainingConfig, type ModelName, type OutputTask } from '@softshare/models';

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

/** The task of a model.json's training config, per model it was loaded into. */
const trainingTasks = new WeakMap<tf.LayersModel, OutputTask[]>();

/** The loss per output a loaded model.json's training config named (undefined when it had none). */
export function trainingTaskOf(model: tf.LayersModel): OutputTask[] | undefined {
  return trainingTasks.get(model);
}

/**
 * Load a tfjs layers model from a model.json path, with one-line errors. Its training
 * config (`trainingConfig`, or Keras's `modelTopology.training_config`) is read here for
 * its loss (`trainingTaskOf`), not handed to tfjs, which would also rebuild its optimizer
 * and refuses loss weights.
 */
export async function loadLayersModelFile(path: string): Promise<tf.LayersModel> {
  return layersModelFromArtifacts(path, loadModelArtifacts(path));
}

/** `loadLayersModelFile` on the artifacts of `path` already read. */
export async function layersModelFromArtifacts(path: string, read: tf.io.ModelArtifacts): Promise<tf.LayersModel> {
  const { trainingConfig, ...artifacts } = read;
  if (isGraphArtifacts(artifacts)) throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'cli', `${path} is a graph model: this command takes layers models ('softshare shrink' compresses graph models without retraining)`);
  const config = trainingConfig ?? (artifacts.modelTopology as { training_config?: unknown } | undefined)?.training_config;
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
  try {
    const task = taskOfTrainingConfig(config, outputNamesOf(model));
    if (task) trainingTasks.set(model, task);
  } catch (cause) {
    if (cause instanceof SoftshareError) throw new SoftshareError(cause.code, 'cli', `${path}: ${cause.message}`, { cause });
    throw cause;
  }
  return model;
}

/** Load a model from a model.json or a .sws file. */
export async function loadModelFile(path: string): Promise<tf.LayersModel> {
  if (!path.endsWith('.sws')) return loadLayersModelFile(path);
  const bytes = readInput(path, 'model file');
  if (readSwsHeader(bytes).header.modelFormat === 'graph-model') throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'cli', `${path} holds a graph model: this command takes layers models (load it with tf.loadGraphModel(swsIO(bytes)); 'softshare shrink --data' reports a graph model's test error)`);
  try {
    return await tf.loadLayersModel(swsIO(bytes));
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

