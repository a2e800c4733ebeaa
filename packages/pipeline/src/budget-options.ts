import { z } from 'zod';
import { storageOptionsSchema } from './storage.js';

/**
 * The accuracy budget and the search for the smallest file within it. Everything here is
 * measured on the validation split; the test split is never read by the search.
 */
export const budgetOptionsSchema = z.strictObject({
  /**
   * Allowed rise of the validation error over the pretrained model's, absolute: 0.005 is
   * half a percentage point (default; the "half a point"). `null`: not checked
   * (needed with no validation split). A file over the budget is never the chosen one.
   */
  maxErrorIncrease: z.number().nonnegative().max(1).nullable().default(0.005),
  /**
   * For every other metric (MSE, MAE of a regression output, a metric of one's own):
   * allowed rise over the pretrained model's, as a share of it: 0.05 lets a validation MSE
   * of 0.100 rise to 0.105 (default; our own choice, the relative counterpart of half a
   * point on a 10% error). `null`: not checked.
   */
  maxLossIncrease: z.number().nonnegative().nullable().default(0.05),
  /**
   * Further points on the prior-strength path after the configured tau. When the
   * configured point keeps the budget, each further point continues the previous point's
   * retraining state (weights, mixture, optimizer) at tau times `factor` for `epochs`
   * epochs; when it broke the budget, each further point retrains from the pretrained
   * weights with the configured epochs and a weaker prior: tau divided by `factor`, or a
   * smaller zero component (`pi0Factor`) when the float model kept the budget and only its
   * files broke it (continuing a collapsed state at a weaker prior changes nothing:
   * docs/RESULTS.md "The accuracy budget"). Each
   * is merged, quantised and tuned; the path stops at the first point across the budget.
   * Default 2; 0 keeps only the configured tau.
   */
  steps: z.number().int().nonnegative().default(2),
  /**
   * Down the path, when the float model keeps the budget and its quantised files do not
   * (the cliff survived rule ml and prune-and-recover): the zero component's starting
   * remainder 1 - pi0 is multiplied by this (capped at 0.5): 0.999 -> 0.95 -> 0.5. Default
   * 50 (our small CNN of docs/RESULTS.md: pi0 0.95 brought it within the budget).
   */
  pi0Factor: z.number().gt(1).default(50),
  /** tau from point to point: times (or divided by) this. Default 2. */
  factor: z.number().gt(1).default(2),
  /** Retraining epochs per further point on the way up (a stronger prior). Default 10. */
  /**
   * Up the path, a point that shrinks the smallest file within the budget by less than
   * this share ends the path. Default 0.01: on LeNet-5-Caffe two upward points of 10
   * epochs each shrank the file by 16 of 10,231 bytes (docs/RESULTS.md).
   */
  minGain: z.number().min(0).max(1).default(0.01),
  epochs: z.number().int().min(1).default(10),
  /**
   * When the quantised file breaks the budget although the float retrained model keeps it
   * (the quantisation cliff: weights inside the zero component still carry the signal),
   * also try quantize rule 'ml' on the same retrained weights. Default true.
   */
  repairCliff: z.boolean().default(true),
  /**
   * When no file of the search kept the budget (the cliff survived rule ml, prune-and-recover
   * and a smaller zero component: models so small that every weight matters), the last
   * resort: the latest float retrained model that kept the budget (else the pretrained
   * model, which keeps it by definition), its tensors under the prior each on k-means
   * shared values of its own (@softshare/shrink's fits, no retraining), the fewest that keep
   * the budget (bisection over the tolerance, about seven files), then looser tolerances
   * through tune (as the prior's files) while the tuned file keeps the budget. Default true;
   * false leaves such a search over the budget (exit 3 in the CLI).
   */
  finerValues: z.boolean().default(true),
  /**
   * After the search, on the chosen file within the budget: tensors outside the prior on
   * shared values and the shared values to fewer digits, each kept only when the file gets
   * smaller and no output's validation metric rises (`storeByWorth`). `null`: off.
   */
  storage: storageOptionsSchema.nullable().default(() => storageOptionsSchema.parse({})),
});

export type BudgetOptions = z.output<typeof budgetOptionsSchema>;
