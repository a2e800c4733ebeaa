import { describe, expect, it } from 'vitest';
import { dequantize, Rng, type QuantizedModel } from '@softshare/core';
import { encodeSws, swsToQuantized, tinyQuantizedModel } from '@softshare/format';
import { storageOptionsSchema, storeByWorth, withCodebookDigits } from './storage.js';

/** The fixture widened to 64 hidden units, whose biases take 64 distinct values in [0.1, 0.5). */
function model(): QuantizedModel {
  const m = tinyQuantizedModel();
  const topology = structuredClone(m.topology) as { config: { layers: { config: { units: number } }[] } };
  topology.config.layers[0].config.units = 64;
  const rng = new Rng(3);
  const k1 = { name: 'd1/kernel', shape: [6, 64], codebook: Float32Array.from([0, -0.5, 0.5]), codes: Uint8Array.from({ length: 6 * 64 }, () => (rng.next() < 0.8 ? 0 : 1 + rng.int(2))) };
  const k2 = { name: 'd2/kernel', shape: [64, 2], codebook: Float32Array.from([0, -1, 1]), codes: Uint8Array.from({ length: 128 }, () => (rng.next() < 0.8 ? 0 : 1 + rng.int(2))) };
  const bias = Float32Array.from({ length: 64 }, (_, i) => 0.1 + (0.4 * i) / 64);
  return {
    ...m,
    topology,
    quantized: [k1, k2],
    params: [
      { name: 'd1/kernel', shape: [6, 64], role: 'kernel', values: dequantize(k1) },
      { name: 'd1/bias', shape: [64], role: 'bias', values: bias },
      { name: 'd2/kernel', shape: [64, 2], role: 'kernel', values: dequantize(k2) },
      { name: 'd2/bias', shape: [2], role: 'bias', values: Float32Array.from([0.05, -0.05]) },
    ],
  };
}

const options = storageOptionsSchema.parse({});

describe('storeByWorth', () => {
  it('puts a tensor outside the prior on the fewest shared values the measure allows, and only when the file gets smaller', async () => {
    const m = model();
    const original = m.params.find((p) => p.name === 'd1/bias')!.values;
    // a measure that tolerates a bias moved by at most 0.03: 8 values fit (clusters 0.05 wide), 4 do not
    const measure = async (bytes: Uint8Array) => {
      const back = swsToQuantized(bytes).params.find((p) => p.name === 'd1/bias')!.values;
      return [Math.max(...Array.from(back, (v, i) => Math.abs(v - original[i]))) <= 0.03 ? 0 : 1];
    };
    const before = encodeSws(m).bytes.length;
    const r = await storeByWorth(m, [0], measure, undefined, { ...options, values: [4, 8, 16], digits: [] });
    expect(r.choice).toEqual({ fromBytes: before, tensors: [{ name: 'd1/bias', values: 8 }], float16: [], digits: null });
    expect(r.values).toEqual([0]);
    expect(r.encoded.bytes.length).toBeLessThan(before);
    expect(r.model.quantized.find((q) => q.name === 'd1/bias')!.codebook.length).toBe(9);
    expect(encodeSws(r.model).bytes).toEqual(r.encoded.bytes);
    // d2's two biases are below minElements 8 by default, and shared values would not pay for themselves
    expect((await storeByWorth(m, [0], async () => [0], undefined, storageOptionsSchema.parse({ digits: [] }))).choice.tensors.map((t) => t.name)).toEqual(['d1/bias']);
  });

  it('keeps every tensor as it is when the measure says any change costs validation error', async () => {
    const m = model();
    const r = await storeByWorth(m, [0.1], async () => [0.2], undefined, options);
    expect(r.choice).toEqual({ fromBytes: encodeSws(m).bytes.length, tensors: [], float16: [], digits: null });
    expect(r.model).toBe(m);
    expect(r.values).toEqual([0.1]);
  });

  it('stores a tensor that no number of shared values keeps in float16 when that keeps the validation error', async () => {
    const m = model();
    const original = m.params.find((p) => p.name === 'd1/bias')!.values;
    // a measure that tolerates what float16 moves (under 2^-11 relative) and nothing coarser
    const measure = async (bytes: Uint8Array) => {
      const back = swsToQuantized(bytes).params.find((p) => p.name === 'd1/bias')!.values;
      return [Array.from(back).every((v, i) => Math.abs(v - original[i]) <= Math.abs(original[i]) / 1024) ? 0 : 1];
    };
    const before = encodeSws(m).bytes.length;
    const r = await storeByWorth(m, [0], measure, undefined, { ...options, digits: [] });
    expect(r.choice).toEqual({ fromBytes: before, tensors: [], float16: ['d1/bias'], digits: null });
    // 64 values in 2 bytes instead of 4
    expect(before - r.encoded.bytes.length).toBeGreaterThanOrEqual(64 * 2 - 8);
    const back = swsToQuantized(r.encoded.bytes).params.find((p) => p.name === 'd1/bias')!.values;
    expect(Array.from(back)).toEqual(Array.from(r.model.params.find((p) => p.name === 'd1/bias')!.values));
    expect(Array.from(back)).not.toEqual(Array.from(original));
    // off: the tensor stays float32
    expect((await storeByWorth(m, [0], measure, undefined, { ...options, digits: [], float16: false })).choice.float16).toEqual([]);
  });

  it('rounds every codebook to the fewest digits the measure allows, parameters following', async () => {
    const m = { ...model(), quantized: model().quantized.map((q) => ({ ...q, codebook: Float32Array.from(q.codebook, (v) => v * 1.2345678) })) };
    const withValues = { ...m, params: m.params.map((p) => { const q = m.quantized.find((x) => x.name === p.name); return q ? { ...p, values: dequantize(q) } : p; }) };
    const r = await storeByWorth(withValues, [0], async () => [0], undefined, { ...options, values: [], digits: [2, 3] });
    expect(r.choice.digits).toBe(2);
    expect(r.encoded.bytes.length).toBeLessThan(encodeSws(withValues).bytes.length);
    for (const q of r.model.quantized) for (const v of q.codebook) expect(Math.fround(Number(v.toPrecision(2)))).toBe(v);
    const rounded = withCodebookDigits(withValues, 2);
    expect(Array.from(rounded.quantized[0].codebook)).toEqual(Array.from(withValues.quantized[0].codebook, (v) => (v === 0 ? 0 : Math.fround(Number(v.toPrecision(2))))));
    expect(Array.from(rounded.params[0].values)).toEqual(Array.from(dequantize(rounded.quantized[0])));
  });
});
