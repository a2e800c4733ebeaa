import { z } from 'zod';

/**
 * Options of the Gaussian-mixture prior. Defaults and their origin are in the README.
 */
export const priorOptionsSchema = z.strictObject({
  /** Components including the zero one (default: 17, the paper's MNIST setting). */
  components: z.number().int().min(2).max(256).default(17),
  /**
   * Fixed mixing proportion of the zero component (default: 0.999, the paper's; on
   * LeNet-300-100 it beat the tutorial's 0.99 on both error and sparsity, docs/RESULTS.md).
   */
  pi0: z.number().gt(0).lt(1).default(0.999),
  /**
   * Learn pi0 (starting at `pi0`) under a Beta(a, b) hyper-prior, e.g. [1000, 1] for a
   * mean of 0.999. Default: unset, pi0 stays fixed (the paper).
   */
  pi0Prior: z.tuple([z.number().positive(), z.number().positive()]).optional(),
  /** Where the free means start: spread over the pretrained weights' range, or a fixed range. */
  meanInit: z.union([z.literal('weight-range'), z.tuple([z.number(), z.number()])]).default('weight-range'),
  /** Initial standard deviation of every component (default: 0.25, tutorial). */
  initialStd: z.number().positive().default(0.25),
  /** Gamma(alpha, beta) hyper-prior on the zero component's precision (default: tutorial's 5000, 2). */
  zeroGamma: z.tuple([z.number().positive(), z.number().nonnegative()]).default([5000, 2]),
  /** Gamma(alpha, beta) hyper-prior on the other precisions (default: tutorial's 250, 0.1). */
  otherGamma: z.tuple([z.number().positive(), z.number().nonnegative()]).default([250, 0.1]),
  /** Smallest variance a component may reach (default: 1e-8); keeps precisions finite. */
  varianceFloor: z.number().positive().default(1e-8),
  /**
   * How the prior's gradients are computed each step: 'grid' evaluates the mixture on a
   * fine grid and interpolates per weight (default; ~10x cheaper, checked against 'exact'
   * in the tests), 'exact' evaluates every weight against every component.
   */
  evaluation: z.enum(['grid', 'exact']).default('grid'),
  /** Which tensors go under the prior: those of role 'kernel' only (published rates count weights) or all. */
  tensors: z.enum(['kernels', 'all']).default('kernels'),
  /**
   * Only these go under the prior (of the tensors `tensors` selects), by tensor name
   * ('fc3/kernel'), layer name ('fc3') or layer class ('Conv2D'), as TF-MOT users choose
   * layers; absent: all of them.
   */
  include: z.array(z.string().min(1)).optional(),
  /** None of these go under the prior (by tensor name, layer name or layer class): they pass through as trained, e.g. a regression output layer (docs/RESULTS.md). Default: none. */
  exclude: z.array(z.string().min(1)).default([]),
});

export type PriorOptions = z.output<typeof priorOptionsSchema>;
export type PriorOptionsInput = z.input<typeof priorOptionsSchema>;
