import * as tf from '@tensorflow/tfjs';
import { isSoftshareError, Rng } from '@softshare/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeSws, encodeSws, mutateSwsMeaning, swsIO, tinyFunctionalModel, tinyQuantizedModel, tinyRecurrentModel } from './index.js';

// The semantic fuzz: headers edited as data and re-framed with valid checksums. Every case
// must end in a coded error from the decoder, or in a model that tfjs loads and runs.
const CASES = 3000;

beforeAll(async () => {
  await tf.setBackend('cpu');
  // tfjs warns (and carries on) about shapes it will not use; the cases are meant to be odd
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

/** True when some layer is called more than once (tfjs's dispose leaks such a layer's weights). */
function hasSharedLayer(topology: unknown): boolean {
  const layers = (topology as { config?: { layers?: { inbound_nodes?: unknown[] }[] } }).config?.layers;
  return Array.isArray(layers) && layers.some((l) => Array.isArray(l?.inbound_nodes) && l.inbound_nodes.length > 1);
}

/** Decode, load through swsIO and predict on zeros; the outcome, or a thrown finding. */
async function outcome(bytes: Uint8Array): Promise<string> {
  let topology: unknown;
  try {
    topology = decodeSws(bytes).header.modelTopology;
  } catch (e) {
    if (isSoftshareError(e) && e.code.startsWith('E_FORMAT_')) return e.code;
    throw new Error(`expected a SoftshareError E_FORMAT_*, got ${String(e)}`);
  }
  const tensors = tf.memory().numTensors;
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(swsIO(bytes));
  } catch (e) {
    throw new Error(`decoded, but tfjs cannot load it: ${String(e).split('\n')[0]}`);
  }
  try {
    const inputs = model.inputs.map((i) => tf.zeros(i.shape.map((d) => d ?? 1), i.dtype));
    const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
    for (const o of Array.isArray(out) ? out : [out]) o.dataSync();
    tf.dispose([inputs, out]);
  } catch (e) {
    throw new Error(`loaded, but predict fails: ${String(e).split('\n')[0]}`);
  } finally {
    model.dispose();
  }
  // memory stays bounded: nothing is left behind, except what tfjs itself leaks for shared layers
  if (tf.memory().numTensors !== tensors && !hasSharedLayer(topology)) throw new Error(`left ${tf.memory().numTensors - tensors} tensors behind`);
  return 'loads and predicts';
}

describe('.sws decoder semantic fuzz', () => {
  it(`ends every one of ${CASES} re-framed header edits in a coded error or a model that predicts, each within 1 s`, async () => {
    const valids = [tinyFunctionalModel(), tinyRecurrentModel(), tinyQuantizedModel()].flatMap((m) => (['escape', 'context'] as const).map((layout) => encodeSws(m, { layout }).bytes));
    const rng = new Rng(31);
    const counts: Record<string, number> = {};
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const c = mutateSwsMeaning(valids[i % valids.length], rng);
      const t0 = performance.now();
      let result: string;
      try {
        result = await outcome(c.bytes);
      } catch (e) {
        throw new Error(`case ${i} (${c.kind}): ${(e as Error).message}`);
      }
      slowest = Math.max(slowest, performance.now() - t0);
      counts[`${c.kind}: ${result}`] = (counts[`${c.kind}: ${result}`] ?? 0) + 1;
    }
    console.log(`semantic fuzz: ${CASES} cases, slowest ${slowest.toFixed(1)} ms`, counts);
    expect(slowest).toBeLessThan(1000);
    // the mutations reach both ends: refusals behind the checksums, and files that still load
    expect(Object.keys(counts).some((k) => k.endsWith('loads and predicts'))).toBe(true);
    expect(Object.keys(counts).filter((k) => /E_FORMAT_(INBOUND|CYCLE|WEIGHTS|LAYER_CLASS)/.test(k)).length).toBeGreaterThan(2);
  }, 300_000);
});
