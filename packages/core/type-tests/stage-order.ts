// Compiled by src/stage-order.test.ts with `tsc --noEmit`. Every @ts-expect-error
// must be needed: if a wrongly ordered pipeline compiled, tsc would report the
// directive as unused and the test would fail.
import { map, of, pipe } from 'rxjs';
import { z } from 'zod';
import {
  defineStage,
  type MergedModel,
  type Mixture,
  type PretrainedModel,
  type QuantizedModel,
  type RetrainedModel,
} from '../src/index.js';

declare const mixture: Mixture;

const retrain = defineStage('retrain', z.object({}), () =>
  map((m: PretrainedModel): RetrainedModel => ({ ...m, kind: 'retrained', mixture, underPrior: [] })),
);
const merge = defineStage('merge', z.object({}), () =>
  map((m: RetrainedModel): MergedModel => ({ ...m, kind: 'merged' })),
);
const quantize = defineStage('quantize', z.object({}), () =>
  map((m: MergedModel): QuantizedModel => ({ ...m, kind: 'quantized', quantized: [] })),
);

declare const pretrained: PretrainedModel;

// In order: compiles.
export const ok = of(pretrained).pipe(retrain(), merge(), quantize());
export const sub = pipe(retrain(), merge());
export const composed = of(pretrained).pipe(sub, quantize());

// @ts-expect-error quantize needs a MergedModel, not a RetrainedModel
export const skipMerge = of(pretrained).pipe(retrain(), quantize());
// @ts-expect-error merge cannot come before retrain
export const swapped = of(pretrained).pipe(merge(), retrain());
// @ts-expect-error a quantized model cannot be retrained again as if pretrained
export const backwards = of(pretrained).pipe(retrain(), merge(), quantize(), retrain());
