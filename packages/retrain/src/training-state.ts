import type { RngState } from '@softshare/core';
import type { MixtureParams } from '@softshare/prior';
import type { MixtureAdamState } from './mixture-adam.js';
import type { RetrainOptions } from './retrain-options.js';

/**
 * Everything a retraining run needs to continue exactly where it stopped: taken at the
 * end of each epoch (checkpoints) and used by the divergence guard to roll back.
 */
export interface TrainingState {
  /** Epochs completed. */
  readonly epoch: number;
  /**
   * Batches already done in epoch `epoch + 1` (0 at an epoch boundary). When > 0, `rng` is
   * the generator's state before that epoch's shuffle, so the same order is drawn again,
   * and `partial` holds the epoch's running loss sums.
   */
  readonly step?: number;
  readonly partial?: { readonly ceSum: number; readonly seen: number };
  /** Trainable weights in model order. */
  readonly weights: readonly { name: string; shape: number[]; values: Float32Array }[];
  /** tfjs Adam's variables (iterations and moments), by name. */
  readonly optimizer: readonly { name: string; shape: number[]; values: Float32Array }[];
  readonly mixture: MixtureParams;
  readonly mixtureAdam: MixtureAdamState;
  readonly rng: RngState;
  /** Factor on every learning rate; the divergence guard halves it. */
  readonly lrScale: number;
  readonly recoveries: number;
  /** The options the run was started with, and its training-example count: a resume must match them (`resumeMismatch`). Absent in checkpoints from before 2026-12-03. */
  readonly options?: RetrainOptions;
  readonly examples?: number;
}

/** Options a resumed run may change: more (or fewer) epochs is what resuming is for; the rest only report or move the same numbers to another thread. */
const MAY_CHANGE = new Set(['epochs', 'evalEvery', 'priorThread', 'maxRecoveries']);

function leaves(x: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    for (const [k, v] of Object.entries(x)) leaves(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, JSON.stringify(x));
  }
  return out;
}

/**
 * What makes a checkpoint's run differ from the one that would resume it: each option
 * (except epochs, evalEvery, priorThread, maxRecoveries) whose value differs, and the
 * training-example count, as `name: checkpoint A, now B`. Empty when they match or when
 * the checkpoint predates recording them.
 */
export function resumeMismatch(s: Pick<TrainingState, 'options' | 'examples'>, options: RetrainOptions, examples: number): string[] {
  const out: string[] = [];
  if (s.examples !== undefined && s.examples !== examples) out.push(`training examples: checkpoint ${s.examples}, now ${examples}`);
  if (s.options === undefined) return out;
  const was = leaves(s.options, '', new Map());
  const now = leaves(options, '', new Map());
  for (const key of [...new Set([...was.keys(), ...now.keys()])].sort()) {
    if (MAY_CHANGE.has(key.split('.')[0])) continue;
    const a = was.get(key) ?? 'unset';
    const b = now.get(key) ?? 'unset';
    if (a !== b) out.push(`${key}: checkpoint ${a}, now ${b}`);
  }
  return out;
}

function copyParams(p: MixtureParams): MixtureParams {
  return { means: Float64Array.from(p.means), gammas: Float64Array.from(p.gammas), rhos: Float64Array.from(p.rhos), pi0: p.pi0 };
}

export function copyMixtureState(p: MixtureParams, a: MixtureAdamState): { mixture: MixtureParams; mixtureAdam: MixtureAdamState } {
  const c = (x: MixtureAdamState['m']) => ({ means: Float64Array.from(x.means), gammas: Float64Array.from(x.gammas), rhos: Float64Array.from(x.rhos) });
  return { mixture: copyParams(p), mixtureAdam: { step: a.step, m: c(a.m), v: c(a.v), ...(a.pi0 ? { pi0: { ...a.pi0 } } : {}) } };
}

type Blob = { name: string; shape: number[]; values: Float32Array };

/** Serialise a TrainingState into one JSON header + one binary buffer (little-endian float32/64). */
export function encodeTrainingState(s: TrainingState): { json: string; bin: Uint8Array } {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const put = (a: Float32Array | Float64Array) => {
    const bytes = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
    const at = offset;
    chunks.push(bytes);
    offset += bytes.byteLength;
    return { offset: at, length: a.length, type: a instanceof Float32Array ? 'f32' : 'f64' };
  };
  const blobs = (xs: readonly Blob[]) => xs.map((x) => ({ name: x.name, shape: x.shape, ...put(x.values) }));
  const mix = (x: MixtureAdamState['m']) => ({ means: put(x.means), gammas: put(x.gammas), rhos: put(x.rhos) });
  const header = {
    version: 1,
    epoch: s.epoch,
    weights: blobs(s.weights),
    optimizer: blobs(s.optimizer),
    mixture: { means: put(s.mixture.means), gammas: put(s.mixture.gammas), rhos: put(s.mixture.rhos), pi0: s.mixture.pi0 },
    mixtureAdam: { step: s.mixtureAdam.step, m: mix(s.mixtureAdam.m), v: mix(s.mixtureAdam.v), ...(s.mixtureAdam.pi0 ? { pi0: s.mixtureAdam.pi0 } : {}) },
    rng: s.rng,
    lrScale: s.lrScale,
    recoveries: s.recoveries,
    step: s.step ?? 0,
    partial: s.partial ?? { ceSum: 0, seen: 0 },
    ...(s.options === undefined ? {} : { options: s.options }),
    ...(s.examples === undefined ? {} : { examples: s.examples }),
  };
  const bin = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    bin.set(c, at);
    at += c.byteLength;
  }
  return { json: JSON.stringify(header), bin };
}

type Ref = { offset: number; length: number; type: 'f32' | 'f64' };

/** Inverse of encodeTrainingState; throws on a header that does not fit the buffer. */
export function decodeTrainingState(json: string, bin: Uint8Array): TrainingState {
  const h = JSON.parse(json);
  if (h.version !== 1) throw new Error(`Expected checkpoint version 1, got ${String(h.version)}`);
  const get = (r: Ref) => {
    const size = r.type === 'f32' ? 4 : 8;
    if (r.offset + r.length * size > bin.byteLength) throw new Error('Expected checkpoint data inside the .bin file, got an offset past its end');
    const copy = new Uint8Array(bin.subarray(r.offset, r.offset + r.length * size)).buffer; // a copy: Buffer views share a pool
    return r.type === 'f32' ? new Float32Array(copy) : new Float64Array(copy);
  };
  const blobs = (xs: (Ref & { name: string; shape: number[] })[]) => xs.map((x) => ({ name: x.name, shape: x.shape, values: get(x) as Float32Array }));
  const mix = (x: { means: Ref; gammas: Ref; rhos: Ref }) => ({ means: get(x.means) as Float64Array, gammas: get(x.gammas) as Float64Array, rhos: get(x.rhos) as Float64Array });
  return {
    epoch: h.epoch,
    weights: blobs(h.weights),
    optimizer: blobs(h.optimizer),
    mixture: { ...mix(h.mixture), pi0: h.mixture.pi0 },
    mixtureAdam: { step: h.mixtureAdam.step, m: mix(h.mixtureAdam.m), v: mix(h.mixtureAdam.v), ...(h.mixtureAdam.pi0 ? { pi0: { m: h.mixtureAdam.pi0.m, v: h.mixtureAdam.pi0.v } } : {}) },
    rng: h.rng,
    lrScale: h.lrScale,
    recoveries: h.recoveries,
    step: h.step ?? 0,
    partial: h.partial ?? { ceSum: 0, seen: 0 },
    ...(h.options === undefined ? {} : { options: h.options }),
    ...(h.examples === undefined ? {} : { examples: h.examples }),
  };
}
