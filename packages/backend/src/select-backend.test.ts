import * as tf from '@tensorflow/tfjs';
import { isSoftshareError } from '@softshare/core';
import { afterEach, describe, expect, it } from 'vitest';
import { selectBackend } from './index.js';

describe('selectBackend', () => {
  const saved = process.env.SOFTSHARE_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.SOFTSHARE_BACKEND;
    else process.env.SOFTSHARE_BACKEND = saved;
  });

  it('uses wasm with patched kernels when tfjs-node is absent', async () => {
    delete process.env.SOFTSHARE_BACKEND;
    const choice = await selectBackend();
    let nodeInstalled = true;
    try {
      await import(/* @vite-ignore */ ['@tensorflow', 'tfjs-node'].join('/'));
    } catch {
      nodeInstalled = false;
    }
    expect(choice.name).toBe(nodeInstalled ? 'node' : 'wasm');
    if (!nodeInstalled) expect(choice.patchedKernels).toBe(true);
    expect(choice.reason).toBe('auto-detected');
  });

  it('honours SOFTSHARE_BACKEND and the option, option first', async () => {
    process.env.SOFTSHARE_BACKEND = 'cpu';
    expect((await selectBackend()).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend({ backend: 'wasm' })).reason).toBe('requested by option');
    expect(tf.getBackend()).toBe('wasm');
  });

  it.each([
    [{ backend: 'gpu' }, undefined, /Expected backend to be one of node, wasm, cpu, got 'gpu'/],
    [{}, 'tpu', /Expected SOFTSHARE_BACKEND to be one of node, wasm, cpu, got 'tpu'/],
  ])('rejects an unknown name %j / env %s', async (options, env, message) => {
    if (env) process.env.SOFTSHARE_BACKEND = env;
    const err = await selectBackend(options).catch((e: unknown) => e);
    expect(isSoftshareError(err, 'E_BACKEND')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});
