import { isSoftshareError } from './errors.js';

/**
 * Largest element-wise difference allowed as `atol + rtol * |expected|`; returns a
 * message for the first element outside it, or null when all are close.
 *
 * @example
 * expect(closeOrMessage(actual, expected, { atol: 1e-6, rtol: 1e-5 })).toBeNull();
 */
export function closeOrMessage(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: { atol?: number; rtol?: number } = {},
): string | null {
  const atol = tolerance.atol ?? 1e-6;
  const rtol = tolerance.rtol ?? 1e-5;
  if (actual.length !== expected.length) {
    return `Expected length ${expected.length}, got ${actual.length}`;
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) !== Number.isNaN(e) || Math.abs(a - e) > atol + rtol * Math.abs(e)) {
      return `Expected element ${i} to be ${e} (atol ${atol}, rtol ${rtol}), got ${a}`;
    }
  }
  return null;
}

/** Anything that reports live tensors, i.e. the `tf` namespace. */
export interface TensorCounter {
  memory(): { numTensors: number };
}

/**
 * Run `fn` and report how many tensors it left alive (0 means no leak).
 *
 * @example
 * expect(await leakedTensors(tf, () => tf.tidy(() => tf.ones([2]).sum()).dispose())).toBe(0);
 */
export async function leakedTensors(tf: TensorCounter, fn: () => unknown): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}

/**
 * What `f` throws, as one line for an assertion: `CODE: message` for a SoftshareError,
 * `not a SoftshareError: ...` for anything else, `no error` when it returns.
 *
 * @example
 * expect(errorLine(() => loadData('nowhere'))).toMatch(/^E_DATA_NOT_FOUND: /);
 */
export function errorLine(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isSoftshareError(e) ? `${e.code}: ${e.message}` : `not a SoftshareError: ${String(e)}`;
  }
  return 'no error';
}
