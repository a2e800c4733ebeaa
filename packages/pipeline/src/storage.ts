import { z } from 'zod';
import { dequantize, fromFloat16Bytes, roundToDigits, toFloat16Bytes, type QuantizedModel, type QuantizedTensor } from '@softshare/core';
import { encodeSws, type EncodedSws, type EncodeSwsOptions } from '@softshare/format';
import { quantizeValues } from '@softshare/quantize';

/**
 * The last step of the search, on the chosen file only (tensors "stored by what they
 * are worth"): each tensor outside the prior that is not a kernel (biases, BatchNorm
 * vectors), largest first, goes onto the fewest of `values` shared values that makes the
 * file smaller and keeps every output's validation metric at or under the chosen file's
 * own (else float16, when that keeps it); then every codebook's shared values to the fewest of `digits` significant digits
 * that does the same. Lossy, so chosen on validation, and never at the cost of one
 * validation error more than the search's choice had (the budget's slack is not spent).
 */
export const storageOptionsSchema = z.strictObject({
  /** Shared values tried per tensor outside the prior, fewest first; [] leaves them as they are. Default 4, 8, 16, 32 (docs/RESULTS.md, "Biases on shared values"). */
  values: z.array(z.number().int().min(1).max(255)).default([4, 8, 16, 32]),
  /** Significant digits tried for the shared values, fewest first; [] keeps them exact. Default 3, 4, 5, 6 (the same section). */
  digits: z.array(z.number().int().min(1).max(9)).default([3, 4, 5, 6]),
  /**
   * A tensor outside the prior that no number of `values` stores smaller within the
   * validation error goes to float16 (2 bytes a value) when that keeps it. Default true
   * (the BatchNormalization vectors of small models: docs/RESULTS.md, "The finer-values last resort").
   */
  float16: z.boolean().default(true),
  /** Tensors with fewer elements stay as they are (a handful of floats costs less than a codebook). Default 8. */
  minElements: z.number().int().min(1).default(8),
});

export type StorageOptions = z.output<typeof storageOptionsSchema>;

/** What the storage step changed, recorded on the point it made. */
export interface StorageChoice {
  /** Bytes of the chosen file before the step. */
  readonly fromBytes: number;
  /** Tensors outside the prior now on shared values, and how many. */
  readonly tensors: readonly { readonly name: string; readonly values: number }[];
  /** Tensors outside the prior now in float16. */
  readonly float16: readonly string[];
  /** Significant digits of the shared values, or null when they stayed exact. */
  readonly digits: number | null;
}

/** A model with every codebook's non-zero values rounded to `digits` significant digits (float32), its parameters following. */
export function withCodebookDigits(model: QuantizedModel, digits: number): QuantizedModel {
  const quantized: QuantizedTensor[] = model.quantized.map((q) => ({ ...q, codebook: Float32Array.from(q.codebook, (v) => roundToDigits(v, digits)) }));
  const byName = new Map(quantized.map((q) => [q.name, q]));
  return { ...model, quantized, params: model.params.map((p) => (byName.has(p.name) ? { ...p, values: dequantize(byName.get(p.name)!) } : p)) };
}

/**
 * Run the storage step on a model whose decoded file measured `reference` (one value per
 * output, lower is better) on the validation split; `measure` evaluates a file there.
 * Returns the model and file it chose (the input's when nothing helped), that file's
 * validation values, and what changed.
 */
export async function storeByWorth(
  model: QuantizedModel,
  reference: readonly number[],
  measure: (bytes: Uint8Array) => Promise<readonly number[]>,
  encode: EncodeSwsOptions | undefined,
  options: StorageOptions,
): Promise<{ model: QuantizedModel; encoded: EncodedSws; values: readonly number[]; choice: StorageChoice }> {
  const keeps = (v: readonly number[]) => v.every((x, k) => x <= reference[k] + 1e-12);
  let encoded = encodeSws(model, encode);
  let values = reference;
  const fromBytes = encoded.bytes.length;
  const tensors: { name: string; values: number }[] = [];
  const shared = new Set(model.quantized.map((q) => q.name));
  // biases and other vectors; a kernel left out of the prior was left out on purpose (prior.exclude) and stays as trained
  const outside = model.params.filter((p) => p.role !== 'kernel' && !shared.has(p.name) && p.values.length >= options.minElements).sort((a, b) => b.values.length - a.values.length);
  const half: string[] = [];
  /** Keep a trial when its file is smaller and its validation values no worse. */
  const tryModel = async (trial: QuantizedModel): Promise<'kept' | 'larger' | 'worse'> => {
    const file = encodeSws(trial, encode);
    if (file.bytes.length >= encoded.bytes.length) return 'larger';
    const measured = await measure(file.bytes);
    if (!keeps(measured)) return 'worse';
    model = trial;
    encoded = file;
    values = measured;
    return 'kept';
  };
  for (const p of outside) {
    let kept = false;
    for (const k of [...options.values].sort((a, b) => a - b)) {
      const q = quantizeValues(p.name, p.shape, p.values, k);
      const r = await tryModel({ ...model, params: model.params.map((x) => (x.name === p.name ? { ...x, values: dequantize(q) } : x)), quantized: [...model.quantized, q] });
      if (r === 'kept') tensors.push({ name: p.name, values: k });
      kept = r === 'kept';
      if (r !== 'worse') break; // kept, or more values only cost more
    }
    // the writer stores a tensor whose every value is a half-precision number in 2 bytes a value
    if (!kept && options.float16) {
      const values16 = fromFloat16Bytes(toFloat16Bytes(p.values));
      if ((await tryModel({ ...model, params: model.params.map((x) => (x.name === p.name ? { ...x, values: values16 } : x)) })) === 'kept') half.push(p.name);
    }
  }
  let digits: number | null = null;
  for (const d of [...options.digits].sort((a, b) => a - b)) {
    if ((await tryModel(withCodebookDigits(model, d))) === 'kept') {
      digits = d;
      break;
    }
  }
  return { model, encoded, values, choice: { fromBytes, tensors, float16: half, digits } };
}
