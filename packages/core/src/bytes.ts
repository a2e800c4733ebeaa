/** Byte helpers: IEEE 754 half precision, little-endian, round to nearest even (the .sws float16 encoding; the shrink stage rounds to it). */
export function toFloat16Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    let h: number;
    if (exp === 0xff) {
      h = sign | 0x7c00 | (mant ? 0x200 : 0); // Inf or NaN
    } else {
      const e = exp - 127 + 15;
      if (e >= 0x1f) {
        h = sign | 0x7c00; // overflow to Inf
      } else if (e <= 0) {
        if (e < -10) {
          h = sign; // underflow to zero
        } else {
          mant |= 0x800000;
          const shift = 14 - e;
          let m = mant >>> shift;
          const rest = mant & ((1 << shift) - 1);
          const halfway = 1 << (shift - 1);
          if (rest > halfway || (rest === halfway && (m & 1))) m++;
          h = sign | m;
        }
      } else {
        let m = mant >>> 13;
        const rest = mant & 0x1fff;
        let ee = e;
        if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
          m++;
          if (m === 0x400) {
            m = 0;
            ee++;
          }
        }
        h = ee >= 0x1f ? sign | 0x7c00 : sign | (ee << 10) | m;
      }
    }
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

export function fromFloat16Bytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const h = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) out[i] = mant ? NaN : sign * Infinity;
    else out[i] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** The bytes of typed arrays one after another, in one new buffer (a tfjs weight buffer from tensors of any dtype). */
export function concatBytes(arrays: readonly ArrayBufferView[]): Uint8Array {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}
