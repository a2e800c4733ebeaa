import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { isSoftshareError, type QuantizedModel, type SoftshareErrorCode } from '@softshare/core';
import { coderIds } from '@softshare/entropy';
import { describe, expect, it } from 'vitest';
import { compactTopology, crc32, decodeSws, encodeSws, readSwsHeader, shortestFloat32, swsIO, swsToQuantized, tinyQuantizedModel } from './index.js';
import { fromFloat16Bytes, toFloat16Bytes } from '@softshare/core';
import { frameSws, SWS_MAJOR, SWS_MINOR } from './sws-writer.js';

const golden = (layout: string, version = `${SWS_MAJOR}.${SWS_MINOR}`) => fileURLToPath(new URL(`../test/golden/tiny-rans-${layout}-v${version}.sws`, import.meta.url));

function codeOf(f: () => unknown): SoftshareErrorCode | 'none' | 'other' {
  try {
    f();
    return 'none';
  } catch (e) {
    return isSoftshareError(e) ? e.code : 'other';
  }
}

/** Re-frame a header object (or raw JSON text) and payload into a file with a correct checksum (for crafted cases). */
function frame(header: unknown, payload: Uint8Array, major = SWS_MAJOR): Uint8Array {
  return frameSws(new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header)), [payload], major);
}

const model = tinyQuantizedModel();
const file = encodeSws(model, { layout: 'escape', coder: 'rans/1' }).bytes;
const contextFile = encodeSws(model, { layout: 'context', coder: 'rans/1' }).bytes;
const { header, payload } = readSwsHeader(file);

describe('.sws writer and reader', () => {
  it.each([
    ['escape', file],
    ['context', contextFile],
  ])('matches the committed %s golden file byte for byte (change the version to change the bytes)', (layout, bytes) => {
    const path = golden(layout);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) writeFileSync(path, bytes);
    expect(Buffer.from(bytes).equals(readFileSync(path))).toBe(true);
  });

  it.each(['escape', 'context'])('still reads the 2.1 %s golden file (before adaptive/1 and the shorter stream ends) bit for bit', (layout) => {
    const bytes = new Uint8Array(readFileSync(golden(layout, '2.1')));
    const decoded = decodeSws(bytes);
    expect(decoded.version).toEqual({ major: 2, minor: 1 });
    decoded.tensors.forEach((t, i) => expect(Buffer.from(t.values.buffer).equals(Buffer.from(model.params[i].values.buffer))).toBe(true));
    // the same model written today is smaller and decodes to the same values
    expect(layout === 'escape' ? file.length : contextFile.length).toBeLessThan(bytes.length);
  });

  it.each(['escape', 'context'])('still reads the 2.0 %s golden file (before the preprocessing field) bit for bit', (layout) => {
    const bytes = new Uint8Array(readFileSync(golden(layout, '2.0')));
    const decoded = decodeSws(bytes);
    expect(decoded.version).toEqual({ major: 2, minor: 0 });
    expect(decoded.header.preprocessing).toBeUndefined();
    decoded.tensors.forEach((t, i) => expect(Buffer.from(t.values.buffer).equals(Buffer.from(model.params[i].values.buffer))).toBe(true));
  });

  it('records the preprocessing in the header, hands it to tfjs as user metadata, and refuses a bad one', async () => {
    const p = { divisor: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const bytes = encodeSws(model, { preprocessing: p }).bytes;
    expect(decodeSws(bytes).header.preprocessing).toEqual(p);
    expect(decodeSws(bytes).version).toEqual({ major: SWS_MAJOR, minor: SWS_MINOR });
    const loaded = await tf.loadLayersModel(swsIO(bytes));
    expect(loaded.getUserDefinedMetadata()).toEqual({ softshare: { preprocessing: p } });
    loaded.dispose();
    // without one, nothing is recorded and tfjs sees no metadata
    expect(readSwsHeader(file).header.preprocessing).toBeUndefined();
    const { header: h, payload: body } = readSwsHeader(bytes);
    for (const [bad, why] of [
      [{ divisor: 0 }, /preprocessing\.divisor: Expected a positive finite number, got 0/],
      [{ divisor: 255, std: [1, -1] }, /preprocessing\.std\.1: Expected a positive finite number, got -1/],
      [{ divisor: 255, mean: [] }, /preprocessing\.mean/],
      [{ divisor: 255, scale: 2 }, /preprocessing: Unrecognized key: "scale"/],
    ] as const) {
      const crafted = frame({ ...h, preprocessing: bad }, body);
      expect(codeOf(() => decodeSws(crafted))).toBe('E_FORMAT_HEADER');
      expect(() => decodeSws(crafted)).toThrow(why);
    }
  });

  it.each(['escape', 'context'])('still reads the 1.0 %s golden file (plain JSON header) bit for bit', (layout) => {
    const bytes = new Uint8Array(readFileSync(golden(layout, '1')));
    expect(bytes[4]).toBe(1);
    const decoded = decodeSws(bytes);
    expect(decoded.version).toEqual({ major: 1, minor: 0 });
    decoded.tensors.forEach((t, i) => expect(Buffer.from(t.values.buffer).equals(Buffer.from(model.params[i].values.buffer))).toBe(true));
  });

  it('stores the header lz/1-compressed, smaller than its JSON', () => {
    const json = JSON.stringify(readSwsHeader(file).header);
    const stored = new DataView(file.buffer, file.byteOffset).getUint32(8, true);
    expect(new DataView(file.buffer, file.byteOffset).getUint32(12, true)).toBe(json.length);
    expect(stored).toBeLessThan(json.length / 2);
  });

  const combos = coderIds()
    .filter((id) => !id.startsWith('test-'))
    .flatMap((coder) => (['escape', 'context', 'smallest'] as const).map((layout) => [coder, layout] as const));
  it.each(combos)('round-trips every tensor bit for bit with %s, layout %s', (coder, layout) => {
    const decoded = decodeSws(encodeSws(model, { coder, layout }).bytes);
    expect(decoded.tensors.map((t) => t.name)).toEqual(model.params.map((p) => p.name));
    decoded.tensors.forEach((t, i) => expect(Buffer.from(t.values.buffer).equals(Buffer.from(model.params[i].values.buffer))).toBe(true));
  });

  it('gives back the quantised model it holds: re-encoding it writes the same bytes', () => {
    const q = swsToQuantized(file);
    expect(q.quantized.map((t) => t.name)).toEqual(model.quantized.map((t) => t.name));
    // the file keeps no mixture, and the model does not pretend to have one
    expect(q.mixture).toBeUndefined();
    expect(Buffer.from(encodeSws(q, { layout: 'escape', coder: 'rans/1' }).bytes).equals(Buffer.from(file))).toBe(true);
    expect(Buffer.from(encodeSws(q, { layout: 'context', coder: 'rans/1' }).bytes).equals(Buffer.from(contextFile))).toBe(true);
  });

  it('is deterministic', () => {
    expect(Buffer.from(encodeSws(tinyQuantizedModel(), { layout: 'escape', coder: 'rans/1' }).bytes).equals(Buffer.from(file))).toBe(true);
    expect(Buffer.from(encodeSws(tinyQuantizedModel()).bytes).equals(Buffer.from(encodeSws(tinyQuantizedModel()).bytes))).toBe(true);
  });

  it('loads into tfjs through swsIO and predicts like the quantised weights', async () => {
    const net = await tf.loadLayersModel(swsIO(file));
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6]]);
    const got = (net.predict(x) as tf.Tensor).dataSync();
    const [k1, b1, k2, b2] = model.params.map((p) => p.values);
    const h = [0, 1, 2, 3].map((j) => Math.max(0, [1, 2, 3, 4, 5, 6].reduce((s, v, i) => s + v * k1[i * 4 + j], b1[j])));
    const want = [0, 1].map((j) => h.reduce((s, v, i) => s + v * k2[i * 2 + j], b2[j]));
    expect(Array.from(got).map((v) => +v.toFixed(5))).toEqual(want.map((v) => +Math.fround(v).toFixed(5)));
  });
});

describe('.sws decoder under attack', () => {
  it.each([
    ['escape', file],
    ['context', contextFile],
  ])('detects truncation at every offset (%s layout)', (_layout, bytes) => {
    for (let n = 0; n < bytes.length; n++) expect(codeOf(() => decodeSws(bytes.subarray(0, n))), `length ${n}`).toMatch(/^E_FORMAT_/);
  });

  it.each([
    ['escape', file],
    ['context', contextFile],
  ])('detects every single-bit flip (%s layout)', (_layout, bytes) => {
    let flips = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (let b = 0; b < 8; b++) {
        const bad = bytes.slice();
        bad[i] ^= 1 << b;
        expect(codeOf(() => decodeSws(bad)), `byte ${i} bit ${b}`).toMatch(/^E_FORMAT_/);
        flips++;
      }
    }
    expect(flips).toBe(bytes.length * 8);
  });

  it.each([
    ['a newer major version', () => frame(header, payload, SWS_MAJOR + 1), 'E_FORMAT_VERSION'],
    ['major version 0', () => frame(header, payload, 0), 'E_FORMAT_VERSION'],
    ['a compressed header that does not decompress', () => {
      const f = frame(header, payload);
      f.fill(0xff, 16, 40);
      new DataView(f.buffer).setUint32(f.length - 4, crc32(f.subarray(0, f.length - 4)), true);
      return f;
    }, 'E_FORMAT_HEADER'],
    ['a header JSON length beyond the expansion cap', () => {
      const f = frame(header, payload);
      new DataView(f.buffer).setUint32(12, 2 ** 24, true);
      new DataView(f.buffer).setUint32(f.length - 4, crc32(f.subarray(0, f.length - 4)), true);
      return f;
    }, 'E_FORMAT_LIMIT'],
    ['a 1.x file with a header that is not JSON', () => frameSws(new TextEncoder().encode('{"format":'), [payload], 1), 'E_FORMAT_HEADER'],
    ['random bytes', () => Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff), 'E_FORMAT_MAGIC'],
    ['a header length beyond the file', () => { const f = file.slice(); new DataView(f.buffer).setUint32(8, 1e6, true); return f; }, 'E_FORMAT_TRUNCATED'],
    ['an enormous header length', () => { const f = file.slice(); new DataView(f.buffer).setUint32(8, 0xffffffff, true); return f; }, 'E_FORMAT_LIMIT'],
    ['an unknown coder id', () => frame({ ...header, tensors: header.tensors.map((t) => (t.encoding === 'shared' ? { ...t, coder: 'zstd/9' } : t)) }, payload), 'E_FORMAT_CODER'],
    ['an unknown layout', () => frame({ ...header, tensors: header.tensors.map((t) => (t.encoding === 'shared' ? { ...t, layout: 'csr' } : t)) }, payload), 'E_FORMAT_HEADER'],
    ['a shape that disagrees with the data', () => frame({ ...header, tensors: header.tensors.map((t) => (t.name === 'd1/bias' ? { ...t, shape: [5] } : t)) }, payload), 'E_FORMAT_DATA'],
    ['a huge shape', () => frame({ ...header, tensors: header.tensors.map((t) => (t.name === 'd1/bias' ? { ...t, shape: [2 ** 20, 2 ** 20] } : t)) }, payload), 'E_FORMAT_LIMIT'],
    ['a negative dimension', () => frame({ ...header, tensors: header.tensors.map((t) => ({ ...t, shape: [-1] })) }, payload), 'E_FORMAT_HEADER'],
    ['NaN in the codebook', () => frame(JSON.parse(JSON.stringify(header).replace('"codebook":[0,', '"codebook":[0,1e999,')), payload), 'E_FORMAT_HEADER'],
    ['an offset past the payload', () => frame({ ...header, tensors: header.tensors.map((t) => (t.encoding === 'float32' ? { ...t, data: { ...t.data, offset: 1e6 } } : t)) }, payload), 'E_FORMAT_LIMIT'],
    ['a codebook too short for the codes', () => frame({ ...header, tensors: header.tensors.map((t) => (t.encoding === 'shared' && t.name === 'd1/kernel' ? { ...t, codebook: [0, -0.5] } : t)) }, payload), 'E_FORMAT_DATA'],
    ['deeply nested JSON', () => frame(JSON.stringify({ ...header, modelTopology: 'DEEP' }).replace('"DEEP"', '{"a":' + '['.repeat(100000) + ']'.repeat(100000) + '}'), payload, 1), 'E_FORMAT_HEADER'],
    ['a payload length that disagrees with the file', () => frame({ ...header, payloadLength: header.payloadLength + 1 }, payload), 'E_FORMAT_TRUNCATED'],
    ['an extra header field', () => frame({ ...header, extra: 1 }, payload), 'E_FORMAT_HEADER'],
  ])('rejects %s with a coded error', (_name, make, code) => {
    const t0 = performance.now();
    expect(codeOf(() => decodeSws(make()))).toBe(code);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('.sws reader input', () => {
  it('decodes from a view inside a larger buffer (as Node Buffers are)', () => {
    const pool = new Uint8Array(file.length + 100);
    pool.set(file, 37);
    const view = Buffer.from(pool.buffer, 37, file.length);
    const decoded = decodeSws(view);
    expect(decoded.tensors.map((t) => t.values.length)).toEqual(model.params.map((p) => p.values.length));
    decoded.tensors.forEach((t, i) => expect(Array.from(t.values)).toEqual(Array.from(model.params[i].values)));
  });
});

describe('compact header', () => {
  it.each([0, 1, -0.5, 0.1, 0.30000001192092896, 1e-30, 3.4e38, Math.fround(0.7364)])('writes %d as the shortest decimal that reads back as the same float32', (x) => {
    const v = shortestFloat32(x);
    expect(Math.fround(v)).toBe(Math.fround(x));
    expect(String(v).length).toBeLessThanOrEqual(String(Math.fround(x)).length);
  });

  it('drops nulls and training-only fields from the topology', () => {
    const t = compactTopology({ a: null, config: { kernel_initializer: { x: 1 }, bias_regularizer: null, units: 3, list: [{ kernel_constraint: 1, b: 2 }] } });
    expect(t).toEqual({ config: { units: 3, list: [{ b: 2 }] } });
  });
});

describe('float16 storage of tensors outside the prior', () => {
  it.each([0, 1, -2, 0.1, 65504, 1e-5, 6e-8, -0.333])('round-trips %d to the nearest half', (x) => {
    const back = fromFloat16Bytes(toFloat16Bytes(Float32Array.from([x])))[0];
    expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
  });

  it('halves the bias bytes and keeps shared tensors bit for bit', () => {
    const half = encodeSws(model, { others: 'float16' });
    const full = encodeSws(model);
    expect(full.bytes.length - half.bytes.length).toBeGreaterThanOrEqual(2 * 6 - 4);
    const decoded = decodeSws(half.bytes);
    decoded.tensors.forEach((t, i) => {
      const want = model.params[i].values;
      if (t.codes) expect(Array.from(t.values)).toEqual(Array.from(want));
      else t.values.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThanOrEqual(Math.abs(want[k]) * 2 ** -11));
    });
    expect(decoded.header.tensors.filter((t) => t.encoding === 'float16').map((t) => t.name)).toEqual(['d1/bias', 'd2/bias']);
  });
});

describe('exact shared storage of tensors outside the prior', () => {
  /** The tiny model widened to 500 hidden units, whose bias is mostly zero (dead units) with few distinct values. */
  const wide = (): QuantizedModel => {
    const m = tinyQuantizedModel();
    const topology = JSON.parse(JSON.stringify(m.topology));
    topology.config.layers[0].config.units = 500;
    const codes1 = Uint8Array.from({ length: 6 * 500 }, (_, i) => (i % 97 === 0 ? 1 + (i % 3) : 0));
    const codes2 = Uint8Array.from({ length: 500 * 2 }, (_, i) => (i % 50 === 0 ? 1 + (i % 2) : 0));
    const [q1, q2] = m.quantized;
    const bias = new Float32Array(500);
    for (let i = 0; i < 500; i += 25) bias[i] = [0.125, -0.3, 0.7][i % 3];
    const deq = (cb: Float32Array, c: Uint8Array) => Float32Array.from(c, (k) => cb[k]);
    return {
      ...m,
      topology,
      quantized: [
        { ...q1, shape: [6, 500], codes: codes1 },
        { ...q2, shape: [500, 2], codes: codes2 },
      ],
      params: [
        { name: 'd1/kernel', shape: [6, 500], role: 'kernel', values: deq(q1.codebook, codes1) },
        { name: 'd1/bias', shape: [500], role: 'bias', values: bias },
        { name: 'd2/kernel', shape: [500, 2], role: 'kernel', values: deq(q2.codebook, codes2) },
        { name: 'd2/bias', shape: [2], role: 'bias', values: Float32Array.from([0.5, -0.25]) },
      ],
    };
  };

  it('stores a bias of few distinct values as shared values when smaller, decoded bit for bit', () => {
    const m = wide();
    const e = encodeSws(m, { generator: 'test' });
    const entry = e.tensors.find((t) => t.name === 'd1/bias')!;
    expect(entry).toMatchObject({ encoding: 'shared', exact: true, nonzero: 20, codebookValues: 4 });
    const d = decodeSws(e.bytes);
    expect(Array.from(d.tensors.find((t) => t.name === 'd1/bias')!.values)).toEqual(Array.from(m.params[1].values));
    // a small tensor is not shared (it would not be smaller): its values are all half-precision numbers, so float16, bit for bit
    expect(e.tensors.filter((t) => t.encoding !== 'shared').map((t) => [t.name, t.encoding])).toEqual([['d2/bias', 'float16']]);
    expect(Array.from(d.tensors.find((t) => t.name === 'd2/bias')!.values)).toEqual(Array.from(m.params[3].values));
    const half = encodeSws(m, { others: 'float16' });
    expect(half.tensors.find((t) => t.name === 'd1/bias')!.encoding).toBe('float16');
    expect(e.bytes.length).toBeLessThan(500 * 4);
    // read back, it is a bias again (not a quantised weight), and re-encodes to the same bytes
    const back = swsToQuantized(e.bytes);
    expect([back.params[1].role, back.quantized.map((q) => q.name)]).toEqual(['bias', ['d1/kernel', 'd2/kernel']]);
    expect(encodeSws(back, { generator: 'test' }).bytes).toEqual(e.bytes);
  });

  it('stores a tensor outside the prior as float16 only when every value is a half-precision number (bit-exact), else float32', () => {
    const m = tinyQuantizedModel();
    const halfExact = Float32Array.from(m.params[1].values, (_, i) => [0.5, -1.25, 3, 0.0009765625][i % 4]);
    const notHalf = Float32Array.from(m.params[1].values, (_, i) => 0.1 * (i + 1));
    for (const [values, encoding] of [[halfExact, 'float16'], [notHalf, 'float32']] as const) {
      const model = { ...m, params: m.params.map((p, k) => (k === 1 ? { ...p, values } : p)) };
      const e = encodeSws(model);
      expect(e.tensors[1].encoding).toBe(encoding);
      expect(Array.from(decodeSws(e.bytes).tensors[1].values)).toEqual(Array.from(values));
    }
  });

  it('writes shared values to codebookDigits significant digits, never the exact ones, and refuses a count outside 1-9', () => {
    const m = wide();
    m.quantized[0].codebook.set([0, -0.123456, 0.2345678, 0.7654321]);
    const e = encodeSws(m, { codebookDigits: 3 });
    const h = decodeSws(e.bytes).header;
    const cb = (name: string) => h.tensors.find((t) => t.name === name)!;
    expect((cb('d1/kernel') as { codebook: number[] }).codebook).toEqual([0, -0.123, 0.235, 0.765]);
    expect((cb('d1/bias') as { codebook: number[] }).codebook).toEqual([0, -0.3, 0.125, 0.7].map(shortestFloat32));
    expect(e.bytes.length).toBeLessThan(encodeSws(m).bytes.length);
    expect(() => encodeSws(m, { codebookDigits: 0 })).toThrow(/codebookDigits from 1 to 9/);
  });

  it('with several coders stores each tensor by the smallest, and decodes the same values', () => {
    const m = wide();
    const one = encodeSws(m, { coder: 'rans/1' });
    const many = encodeSws(m, { coder: ['rans/1', 'huffman/1', 'lz/1'] });
    const sizes = (e: typeof one) => e.tensors.filter((t) => t.encoding === 'shared').map((t) => t.positionBytes + t.codeBytes);
    sizes(many).forEach((n, i) => expect(n).toBeLessThanOrEqual(sizes(one)[i]));
    expect(decodeSws(many.bytes).tensors.map((t) => Array.from(t.values))).toEqual(decodeSws(one.bytes).tensors.map((t) => Array.from(t.values)));
    expect(encodeSws(m, { coder: ['rans/1', 'huffman/1', 'lz/1'] }).bytes).toEqual(many.bytes);
    expect(() => encodeSws(m, { coder: ['rans/1', 'nope/9'] })).toThrow(/Expected a registered coder id, got 'nope\/9'/);
  });

  it('keeps a tensor with a negative zero as float32 (the codebook would decode it as +0)', () => {
    const m = wide();
    m.params[1].values[3] = -0;
    expect(encodeSws(m).tensors.find((t) => t.name === 'd1/bias')!.encoding).toBe('float32');
  });
});
