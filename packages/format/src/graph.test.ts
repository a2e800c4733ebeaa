import * as tf from '@tensorflow/tfjs';
import { errorLine, type SoftshareErrorCode } from '@softshare/core';
import { describe, expect, it } from 'vitest';
import { decodeSws, encodeSws, readSwsHeader, swsIO, swsToArtifacts, swsToQuantized, tinyGraphModel, tinyQuantizedModel } from './index.js';
import { frameSws, SWS_MAJOR } from './sws-writer.js';

/** The code of what `f` throws (errorLine's prefix), or 'no error'. */
const codeOf = (f: () => unknown) => errorLine(f).split(':')[0];

const model = tinyGraphModel();
const file = encodeSws(model).bytes;
const x = tf.tensor3d(Array.from({ length: 30 }, (_, i) => Math.cos(i)), [5, 2, 3]);

/** The same graph loaded straight from memory, as tfjs-converter's files would be. */
async function reference(): Promise<tf.GraphModel> {
  const specs = [...model.params.map((p) => ({ name: p.name, shape: [...p.shape], dtype: 'float32' as const })), { name: 'flat/shape', shape: [2], dtype: 'int32' as const }];
  const parts = [...model.params.map((p) => p.values), Int32Array.of(-1, 6)];
  const buf = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    buf.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology: model.topology as object, weightSpecs: specs, weightData: buf.buffer, format: 'graph-model' }));
}

/** Re-frame an edited header of `file` (checksums stay right). */
function withHeader(edit: (h: Record<string, unknown>) => void, minor = 2): Uint8Array {
  const { header, payload } = readSwsHeader(file);
  const h = JSON.parse(JSON.stringify(header)) as Record<string, unknown>;
  edit(h);
  return frameSws(new TextEncoder().encode(JSON.stringify(h)), [payload], SWS_MAJOR, minor);
}

describe('graph models in .sws (format 2.2)', () => {
  it('round-trips topology, signature, float and int32 weights, and writes version 2.3 (graph models since 2.2)', () => {
    expect([file[4], file[5]]).toEqual([2, 3]);
    const { header, tensors } = decodeSws(file);
    expect(header.modelFormat).toBe('graph-model');
    expect(header.modelTopology).toEqual(model.topology);
    expect(header.signature).toEqual(model.graph!.signature);
    expect(tensors.map((t) => t.name)).toEqual(['d1/w', 'd1/b', 'd2/w', 'd2/b', 'flat/shape']);
    expect(header.tensors[0].encoding).toBe('shared');
    expect(Array.from(tensors[4].exact!.values)).toEqual([-1, 6]);
    const back = swsToQuantized(file);
    expect(back.graph!.constants[0].dtype).toBe('int32');
    expect(encodeSws(back).bytes).toEqual(file);
  });

  it('loads with tf.loadGraphModel(swsIO(bytes)) and predicts as the original graph does', async () => {
    const restored = await tf.loadGraphModel(swsIO(file));
    const original = await reference();
    const a = (restored.predict(x) as tf.Tensor).dataSync();
    const b = (original.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(swsToArtifacts(file).format).toBe('graph-model');
  });

  it('refuses crafted graph topologies with a code before tfjs sees them', () => {
    const nodes = (h: Record<string, unknown>) => (h.modelTopology as { node: Record<string, unknown>[] }).node;
    const cases: [string, (h: Record<string, unknown>) => void, SoftshareErrorCode][] = [
      ['a cycle', (h) => (nodes(h)[7].input = ['d2/BiasAdd']), 'E_FORMAT_CYCLE'],
      ['an input naming no node', (h) => (nodes(h)[2].input = ['nowhere', 'flat/shape']), 'E_FORMAT_INBOUND'],
      ['a duplicate node name', (h) => (nodes(h)[13].name = 'probs'), 'E_FORMAT_LAYER_NAME'],
      ['a weight that is not a Const node', (h) => (nodes(h)[3].op = 'Placeholder'), 'E_FORMAT_WEIGHTS'],
      ['a Const node without a weight', (h) => nodes(h).push({ name: 'extra', op: 'Const', attr: {} }), 'E_FORMAT_WEIGHTS'],
      ['an unknown node key', (h) => (nodes(h)[0].code = 'x'), 'E_FORMAT_TOPOLOGY'],
      ['a node list that is not an array', (h) => ((h.modelTopology as Record<string, unknown>).node = {}), 'E_FORMAT_TOPOLOGY'],
      ['an int32 tensor in a layers model', (h) => delete h.modelFormat, 'E_FORMAT_HEADER'],
    ];
    for (const [what, edit, code] of cases) expect([what, codeOf(() => decodeSws(withHeader(edit)))]).toEqual([what, code]);
  });

  it('a cycle through NextIteration (a TensorFlow loop) is allowed', () => {
    const ok = withHeader((h) => {
      const n = (h.modelTopology as { node: Record<string, unknown>[] }).node;
      n.push({ name: 'loop/next', op: 'NextIteration', input: ['loop/merge'], attr: {} }, { name: 'loop/merge', op: 'Merge', input: ['d1/Relu', 'loop/next'], attr: {} });
    });
    expect(codeOf(() => decodeSws(ok))).toBe('no error');
  });
});
