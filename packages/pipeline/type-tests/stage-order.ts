// Compiled by src/stage-order.test.ts with `tsc --noEmit`, on the real stages. Every
// expect-error directive below must be needed: if a wrongly ordered pipeline compiled,
// tsc would report the directive as unused and the test would fail.
import { of, pipe } from 'rxjs';
import type { PretrainedModel, QuantizedModel, RetrainedModel } from '@softshare/core';
import type { Dataset } from '@softshare/data';
import { merge } from '@softshare/merge';
import { prune } from '@softshare/prune';
import { quantize } from '@softshare/quantize';
import { retrain } from '@softshare/retrain';
import { sparsify } from '@softshare/sparsify';
import { tune } from '@softshare/tune';

declare const data: Dataset;
declare const pretrained: PretrainedModel;
declare const retrained: RetrainedModel;
declare const quantized: QuantizedModel;

// In order: compiles.
export const full = of(pretrained).pipe(retrain(data), merge(), quantize(), prune(), tune(data), prune());
export const noPrune = of(pretrained).pipe(retrain(data), merge(), quantize(), tune(data));
export const viaSparsify = of(pretrained).pipe(sparsify(data), tune(data), prune());
export const sub = pipe(retrain(data), merge());
export const composed = of(pretrained).pipe(sub, quantize());
export const fromFile = of(quantized).pipe(prune(), tune(data));

// @ts-expect-error quantize needs a MergedModel, not a RetrainedModel
export const skipMerge = of(pretrained).pipe(retrain(data), quantize());
// @ts-expect-error merge cannot come before retrain
export const swapped = of(pretrained).pipe(merge(), retrain(data));
// @ts-expect-error a quantized model cannot be retrained again as if pretrained
export const backwards = of(pretrained).pipe(retrain(data), merge(), quantize(), retrain(data));
// @ts-expect-error sparsify takes a pretrained model, not a quantized one
export const sparsifyQuantized = of(quantized).pipe(sparsify(data), tune(data));
// @ts-expect-error sparsify replaces retrain: it cannot follow it
export const retrainThenSparsify = of(pretrained).pipe(retrain(data), sparsify(data));
// @ts-expect-error tune needs a QuantizedModel: it cannot follow retrain
export const tuneRetrained = of(pretrained).pipe(retrain(data), tune(data));
// @ts-expect-error prune needs a QuantizedModel, not a MergedModel
export const pruneMerged = of(retrained).pipe(merge(), prune());
// @ts-expect-error the training stages take their data first
export const noData = of(pretrained).pipe(retrain(), merge());
