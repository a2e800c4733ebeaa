import * as tf from '@tensorflow/tfjs';
import { SoftshareError } from '@softshare/core';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';

/** The backends softshare knows, by the short names users type. */
export const BACKEND_NAMES = ['node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What `selectBackend` settled on. */
export interface BackendChoice {
  /** Short name: node, wasm or cpu. */
  readonly name: BackendName;
  /** tfjs's own backend name (`tensorflow` for node). */
  readonly tfName: string;
  /** Whether softshare's wasm training kernels are active. */
  readonly patchedKernels: boolean;
  /** Why this backend: option, environment variable or auto-detection. */
  readonly reason: string;
}

export interface SelectBackendOptions {
  /** Force a backend (default: `SOFTSHARE_BACKEND`, else node if installed, else wasm, else cpu). */
  readonly backend?: string;
  /** Register softshare's fixed wasm training kernels (default: true). Off only to benchmark the stock ones. */
  readonly patchWasmKernels?: boolean;
}

function parseName(value: string, from: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new SoftshareError(
    'E_BACKEND',
    'backend',
    `Expected ${from} to be one of ${BACKEND_NAMES.join(', ')}, got '${value}'`,
  );
}

async function tryNode(): Promise<boolean> {
  try {
    // A guarded dynamic import: tfjs-node is an optional dependency and usually absent.
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
    return tf.findBackendFactory('tensorflow') !== null;
  } catch {
    return false;
  }
}

async function activate(name: BackendName, patch: boolean): Promise<boolean> {
  if (name === 'node') {
    if (!(await tryNode())) return false;
    return tf.setBackend('tensorflow');
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (patch) registerWasmTrainingKernels();
    return tf.setBackend('wasm');
  }
  const ok = await tf.setBackend('cpu');
  // the cpu backend greets Node users with a multi-line banner on first use; softshare
  // reports the backend it chose itself
  if (ok) (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return ok;
}

/**
 * Pick and initialise the tfjs backend: `@tensorflow/tfjs-node` when it can be
 * imported, else wasm (SIMD, with softshare's training kernels), else cpu.
 *
 * @example
 * const choice = await selectBackend({ backend: process.env.SOFTSHARE_BACKEND });
 * console.log(choice.name); // 'wasm'
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const patch = options.patchWasmKernels ?? true;
  const env = process.env.SOFTSHARE_BACKEND;
  let forced: BackendName | undefined;
  let reason = 'auto-detected';
  if (options.backend !== undefined && options.backend !== '') {
    forced = parseName(options.backend, 'backend');
    reason = 'requested by option';
  } else if (env !== undefined && env !== '') {
    forced = parseName(env, 'SOFTSHARE_BACKEND');
    reason = 'requested by SOFTSHARE_BACKEND';
  }
  const order: BackendName[] = forced ? [forced] : ['node', 'wasm', 'cpu'];
  for (const name of order) {
    let ok = false;
    try {
      ok = await activate(name, patch);
    } catch (cause) {
      if (forced) {
        throw new SoftshareError('E_BACKEND', 'backend', `Backend '${name}' failed to start: ${String(cause)}`, { cause });
      }
    }
    if (ok) {
      await tf.ready();
      return { name, tfName: tf.getBackend(), patchedKernels: name === 'wasm' && patch, reason };
    }
    if (forced) {
      const hint = name === 'node' ? ' (is @tensorflow/tfjs-node installed?)' : '';
      throw new SoftshareError('E_BACKEND', 'backend', `Backend '${name}' is not available${hint}`);
    }
  }
  throw new SoftshareError('E_BACKEND', 'backend', 'No tfjs backend could be started');
}
