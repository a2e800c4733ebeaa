import { z } from 'zod';

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
   * Further points on the prior-strength path after the configured tau: each continues
   * the previous point's retraining state (weights, mixture, optimizer) with tau
   * multiplied by `factor` (divided, when the configured tau already broke the budget)
   * for `epochs` more epochs, then merges, quantises and tunes it. The path stops at the
   * first point on the other side of the budget. Default 2 (our validation runs on
   * LeNet-300-100, docs/RESULTS.md "The accuracy budget"); 0 keeps only the configured tau.
   */
  steps: z.number().int().nonnegative().default(2),
  /** tau from point to point: times (or divided by) this. Default 2. */
  factor: z.number().gt(1).default(2),
  /** Retraining epochs per further point. Default 10. */
  epochs: z.number().int().min(1).default(10),
  /**
   * When the quantised file breaks the budget although the float retrained model keeps it
   * (the quantisation cliff: weights inside the zero component still carry the signal),
   * also try quantize rule 'ml' on the same retrained weights. Default true.
   */
  repairCliff: z.boolean().default(true),
});

export type BudgetOptions = z.output<typeof budgetOptionsSchema>;
