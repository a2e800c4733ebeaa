import { Rng } from '@softshare/core';
import { crc32 } from './crc32.js';
import { readSwsHeader } from './sws-reader.js';
import { frameSws, SWS_MAJOR } from './sws-writer.js';

/** One hostile variant of a valid .sws file, and how it was made. */
export interface FuzzCase {
  readonly kind: 'random-bytes' | 'bit-flips' | 'truncate-extend' | 'header-field' | 'section-garbage';
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
