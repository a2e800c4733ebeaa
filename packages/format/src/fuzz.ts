import { Rng } from '@softshare/core';
import { crc32 } from './crc32.js';
import { readSwsHeader } from './sws-reader.js';
import { frameSws, SWS_MAJOR } from './sws-writer.js';

/** One hostile variant of a valid .sws file, and how it was made. */
export interface FuzzCase {
  readonly kind: 'random-bytes' | 'bit-flips' | 'truncate-extend' | 'header-field' | 'section-garbage' | MeaningKind;
  readonly bytes: Uint8Array;
  /** True when the checksums were recomputed, so the decoder's deeper checks are reached. */
  readonly checksumsFixed: boolean;
}

const HOSTILE: unknown[] = [-1, 0, 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -1e308, 0.5, 'x', '', null, [], {}, [1e9, 1e9], [0], true];

function frame(header: unknown, payload: Uint8Array, major = SWS_MAJOR): Uint8Array {
  return frameSws(new TextEncoder().encode(JSON.stringify(header)), [payload], major);
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

/** Set a random leaf of a JSON value to a hostile value (returns a modified deep copy). */
function mutateJson(value: unknown, rng: Rng, depth = 0): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || rng.next() < 0.1) return pick(rng, HOSTILE);
    const copy = [...value];
    const i = rng.int(copy.length);
    copy[i] = mutateJson(copy[i], rng, depth + 1);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 || rng.next() < 0.1) return pick(rng, HOSTILE);
    const copy = { ...(value as Record<string, unknown>) };
    const k = pick(rng, keys);
    if (rng.next() < 0.1) delete copy[k];
    else copy[k] = mutateJson(copy[k], rng, depth + 1);
    return copy;
  }
  return pick(rng, HOSTILE);
}

/**
 * A hostile variant of `valid` (a .sws file): random bytes, bit flips, truncation or
 * extension, a header field set to a hostile value (re-framed with a correct checksum),
 * or a section replaced by garbage with its checksum fixed. Deterministic per rng state.
 */
export function mutateSws(valid: Uint8Array, rng: Rng): FuzzCase {
  const kind = pick(rng, ['random-bytes', 'bit-flips', 'truncate-extend', 'header-field', 'section-garbage'] as const);
  if (kind === 'random-bytes') {
    const n = rng.int(3000);
    const bytes = Uint8Array.from({ length: n }, () => rng.int(256));
    if (n >= 6 && rng.next() < 0.5) bytes.set([0x53, 0x57, 0x53, 0x4d, pick(rng, [1, SWS_MAJOR]), 0], 0);
    return { kind, bytes, checksumsFixed: false };
  }
  if (kind === 'bit-flips') {
    const bytes = valid.slice();
    const flips = 1 + rng.int(8);
    for (let k = 0; k < flips; k++) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
    return { kind, bytes, checksumsFixed: false };
  }
  if (kind === 'truncate-extend') {
    const n = rng.int(valid.length * 2);
    const bytes = new Uint8Array(n);
    bytes.set(valid.subarray(0, Math.min(n, valid.length)));
    for (let i = valid.length; i < n; i++) bytes[i] = rng.int(256);
    return { kind, bytes, checksumsFixed: false };
  }
  const { header, payload } = readSwsHeader(valid);
  if (kind === 'header-field') {
    return { kind, bytes: frame(mutateJson(header, rng), payload, pick(rng, [1, SWS_MAJOR, SWS_MAJOR, SWS_MAJOR + 1])), checksumsFixed: true };
  }
  // section-garbage: overwrite one section with random bytes, fix its CRC in the header
  const copy = JSON.parse(JSON.stringify(header)) as { tensors: Record<string, { offset: number; length: number; crc32: number }>[] };
  const t = pick(rng, copy.tensors);
  const sections = Object.values(t).filter((v) => v !== null && typeof v === 'object' && 'crc32' in v) as { offset: number; length: number; crc32: number }[];
  const s = pick(rng, sections);
  const body = payload.slice();
  for (let i = s.offset; i < s.offset + s.length; i++) body[i] = rng.int(256);
  s.crc32 = crc32(body.subarray(s.offset, s.offset + s.length));
  return { kind, bytes: frame(copy, body), checksumsFixed: true };
}

/** What the semantic mutations change; every one re-frames the file with valid checksums. */
export type MeaningKind = 'graph' | 'layer-config' | 'tensor-table' | 'streams';

/**
 * A valid file's header edited as data, then framed again with every checksum valid (a
 * tool an attacker has too). `edit` gets a deep copy of the header and the payload.
 *
 * @example
 * const bad = reframeSws(bytes, (h) => { h.tensors.pop(); });
 */
export function reframeSws(valid: Uint8Array, edit: (header: Record<string, any>, payload: Uint8Array) => void): Uint8Array {
  const { header, payload } = readSwsHeader(valid);
  const copy = JSON.parse(JSON.stringify(header)) as Record<string, any>;
  const body = payload.slice();
  edit(copy, body);
  return frame(copy, body);
}

const CONFIG_KEYS = ['units', 'filters', 'kernel_size', 'strides', 'padding', 'activation', 'recurrent_activation', 'axis', 'target_shape', 'depth_multiplier', 'use_bias', 'trainable', 'dtype', 'batch_input_shape', 'input_shape', 'rate', 'alpha', 'kernel_initializer', 'weights', 'data_format', 'dilation_rate', 'return_sequences', 'return_state', 'input_dim', 'output_dim', 'input_length', 'momentum', 'epsilon', 'center', 'scale', 'pool_size', 'size', 'n', 'dims', 'layer', 'merge_mode', 'name', 'dropout', 'max_value', 'shared_axes'];
const MEANING_HOSTILE: unknown[] = [...HOSTILE, 3, 2 ** 13, 2 ** 25, -2, 'same', 'valid', 'relu', 'bogus', 'channels_first', [2, 2], [0, 0], [-1], [null, 4], [1, 2, 3], { class_name: 'Zeros', config: {} }, { class_name: 'Bogus' }];

type Layer = { name?: string; class_name: string; config: Record<string, any>; inbound_nodes?: any[] | null };

function layersOf(topology: Record<string, any>): Layer[] | null {
  const c = topology?.config;
  return Array.isArray(c?.layers) ? c.layers : Array.isArray(c) ? c : null;
}

function mutateGraph(t: Record<string, any>, rng: Rng): void {
  const layers = layersOf(t);
  if (!layers || layers.length === 0) return;
  const i = rng.int(layers.length);
  const other = layers[rng.int(layers.length)];
  const names = layers.map((l) => l.name ?? l.config?.name);
  const op = rng.int(11);
  if (op === 0) layers.splice(i, 1);
  else if (op === 1) layers.splice(rng.int(layers.length + 1), 0, JSON.parse(JSON.stringify(layers[i])));
  else if (op === 2) layers.splice(rng.int(layers.length), 0, ...layers.splice(i, 1));
  else if (op === 3) {
    const name = pick(rng, [...names, 'ghost', '']);
    if ('name' in layers[i]) layers[i].name = name;
    if (rng.next() < 0.5) layers[i].config.name = name;
  } else if (op === 4 && Array.isArray(layers[i].inbound_nodes)) {
    const nodes = layers[i].inbound_nodes as any[][][];
    const node = nodes[rng.int(Math.max(1, nodes.length))];
    if (Array.isArray(node) && node.length > 0) {
      const ref = node[rng.int(node.length)];
      const k = rng.int(3);
      ref[k] = k === 0 ? pick(rng, [...names, 'ghost']) : pick(rng, [0, 1, 2, -1, 2 ** 31, 0.5, null]);
    }
  } else if (op === 5 && 'inbound_nodes' in layers[i]) {
    layers[i].inbound_nodes = pick(rng, [[], [[]], [...(layers[i].inbound_nodes ?? []), ...(layers[i].inbound_nodes ?? [])], [[[other.name, 0, 0, {}]]], null]);
  } else if (op === 6) layers[i].class_name = pick(rng, ['Dense', 'Conv2D', 'Add', 'Concatenate', 'InputLayer', 'Flatten', 'LSTM', 'Sequential', 'Model', 'TimeDistributed', 'Bidirectional', 'Lambda', 'Reshape', 'BatchNormalization']);
  else if (op === 7 && t.config && !Array.isArray(t.config)) {
    const key = pick(rng, ['input_layers', 'output_layers']);
    t.config[key] = pick(rng, [[], [[pick(rng, [...names, 'ghost']), rng.int(3), rng.int(3)]], [...(t.config[key] ?? []), ...(t.config[key] ?? [])], null]);
  } else if (op === 8) {
    // nest the whole model a few levels deep
    let inner: Record<string, any> = JSON.parse(JSON.stringify(t));
    for (let d = 0, n = 1 + rng.int(12); d < n; d++) inner = { class_name: 'Sequential', config: { name: `n${d}`, layers: [{ ...inner, config: { ...inner.config, name: `m${d}` } }] } };
    Object.assign(t, inner);
  } else if (op === 9) t.class_name = pick(rng, ['Sequential', 'Model', 'Functional', 'Graph', null]);
  else if (op === 10 && layers.length > 1) {
    // a cycle or a forward reference: make a layer read from a later one
    const j = rng.int(layers.length);
    if (Array.isArray(layers[i].inbound_nodes) && layers[i].inbound_nodes.length > 0) layers[i].inbound_nodes = [[[names[j], 0, 0, {}]]];
  }
}

function mutateLayerConfig(t: Record<string, any>, rng: Rng): void {
  const layers = layersOf(t);
  if (!layers || layers.length === 0) return;
  const layer = layers[rng.int(layers.length)];
  if (!layer.config || typeof layer.config !== 'object') return;
  const keys = Object.keys(layer.config);
  const key = rng.next() < 0.6 && keys.length > 0 ? pick(rng, keys) : pick(rng, CONFIG_KEYS);
  if (rng.next() < 0.15) delete layer.config[key];
  else layer.config[key] = pick(rng, MEANING_HOSTILE);
}

function mutateTable(h: Record<string, any>, rng: Rng): void {
  const ts = h.tensors as Record<string, any>[];
  if (ts.length === 0) return;
  const i = rng.int(ts.length);
  const op = rng.int(6);
  if (op === 0) ts.splice(i, 1);
  else if (op === 1) ts.splice(rng.int(ts.length + 1), 0, JSON.parse(JSON.stringify(ts[i])));
  else if (op === 2) ts.splice(rng.int(ts.length), 0, ...ts.splice(i, 1));
  else if (op === 3) ts[i].name = pick(rng, [...ts.map((t) => t.name), 'ghost/kernel']);
  else if (op === 4 && ts[i].shape.length > 0) ts[i].shape[rng.int(ts[i].shape.length)] = pick(rng, [0, 1, 2, 3, 80, 2 ** 20]);
  else ts[i].shape = pick(rng, [[], [1], [...ts[i].shape, 1], ts[i].shape.slice(1), [...ts[i].shape].reverse()]);
}

function mutateStreams(h: Record<string, any>, payload: Uint8Array, rng: Rng): void {
  const ts = h.tensors as Record<string, any>[];
  if (ts.length === 0) return;
  const t = ts[rng.int(ts.length)];
  const op = rng.int(6);
  if (op === 0 && Array.isArray(t.codebook)) t.codebook = pick(rng, [[0], [0, 1], t.codebook.slice(0, -1), [...t.codebook, 2], t.codebook.map((v: number) => -v), [1, ...t.codebook.slice(1)]]);
  else if (op === 1) {
    const s = t.codes ?? t.gaps ?? t.data;
    if (s && 'count' in s) s.count = pick(rng, [0, 1, s.count - 1, s.count + 1, s.count * 2]);
  } else if (op === 2 && t.coder) t.coder = pick(rng, ['rans/1', 'huffman/1', 'adaptive/1', 'brotli/1', 'deflate/1', 'raw8/1']);
  else if (op === 3 && t.layout) {
    if (t.layout === 'escape') {
      t.layout = 'context';
      t.mask = { offset: t.gaps.offset, length: t.gaps.length, crc32: t.gaps.crc32 };
      delete t.gaps;
    } else {
      t.layout = 'escape';
      t.gaps = { ...t.mask, count: rng.int(64) };
      delete t.mask;
    }
  } else if (op === 4 || op === 5) {
    // move a section to other bytes of the payload, checksum fixed so the decoders see them
    const sections = Object.values(t).filter((v) => v !== null && typeof v === 'object' && 'crc32' in v) as { offset: number; length: number; crc32: number }[];
    const s = pick(rng, sections);
    if (op === 4) s.offset = rng.int(payload.length + 1);
    s.length = Math.min(payload.length - Math.min(s.offset, payload.length), op === 5 ? rng.int(s.length * 2 + 2) : s.length);
    s.offset = Math.min(s.offset, payload.length);
    s.crc32 = crc32(payload.subarray(s.offset, s.offset + s.length));
  }
}

/**
 * A hostile variant of `valid` that changes what the header means rather than its bytes:
 * the topology graph (layers removed, duplicated, renamed, moved, rewired into cycles or to
 * missing layers, nested deep), a layer's config, the tensor table (entries missing,
 * doubled, reordered, reshaped), or the streams (codebooks, counts, coders, layouts,
 * offsets); then re-framed with every checksum valid, so each case reaches the checks
 * behind the CRCs. Deterministic per rng state.
 */
export function mutateSwsMeaning(valid: Uint8Array, rng: Rng): FuzzCase {
  const kind = pick(rng, ['graph', 'graph', 'layer-config', 'layer-config', 'tensor-table', 'streams'] as const);
  const bytes = reframeSws(valid, (h, payload) => {
    for (let k = 0, n = 1 + (rng.next() < 0.25 ? rng.int(3) : 0); k < n; k++) {
      if (kind === 'graph') mutateGraph(h.modelTopology, rng);
      else if (kind === 'layer-config') mutateLayerConfig(h.modelTopology, rng);
      else if (kind === 'tensor-table') mutateTable(h, rng);
      else mutateStreams(h, payload, rng);
    }
  });
  return { kind, bytes, checksumsFixed: true };
}
