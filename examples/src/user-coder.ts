// (b) Register a coder of your own and round-trip a model with it. This one is a plain
// run-length coder: (symbol, run length) pairs as varints.
import { readVarint, registerCoder, writeVarint, type Coder } from '@softshare/entropy';
import { decodeSws, encodeSws, tinyQuantizedModel } from '@softshare/format';

export const runLengthCoder: Coder = {
  id: 'example-rle/1',
  encode(symbols) {
    const out: number[] = [];
    for (let i = 0; i < symbols.length; ) {
      let j = i;
      while (j < symbols.length && symbols[j] === symbols[i]) j++;
      writeVarint(out, symbols[i]);
      writeVarint(out, j - i);
      i = j;
    }
    return Uint8Array.from(out);
  },
  decode(bytes, count, alphabetSize) {
    const out = new Uint32Array(count);
    const at = { pos: 0 };
    let n = 0;
    while (n < count) {
      const s = readVarint(bytes, at);
      const run = readVarint(bytes, at);
      if (s >= alphabetSize || n + run > count) throw new RangeError('Expected a run inside the stream, got one past it');
      out.fill(s, n, n + run);
      n += run;
    }
    return out;
  },
};

export function roundTripWithUserCoder(): { same: boolean; bytes: number } {
  registerCoder(runLengthCoder);
  const model = tinyQuantizedModel();
  const { bytes } = encodeSws(model, { coder: runLengthCoder.id });
  const decoded = decodeSws(bytes);
  const same = decoded.tensors.every((t, i) => t.values.every((v, k) => Object.is(v, model.params[i].values[k])));
  return { same, bytes: bytes.length };
}
