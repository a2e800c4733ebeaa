import { priorOptionsSchema } from '@softshare/prior';
import { z } from 'zod';

/** Options of the retrain stage; defaults and their origin are in the README. */
export const retrainOptionsSchema = z.strictObject({
  /**
   * Weight of the complexity term: loss = mean CE + tau / N_train * complexity
   * (default: 0.03, chosen on the validation split by our LeNet-300-100 sweep of
   * 2026-12-03 in docs/RESULTS.md: the lowest validation error at no more than the paper's
   * 4.3% non-zero, among 0.02, 0.03 and 0.05; with this normalisation 0.003-0.01 barely
   * moves the weights).
   */
  tau: z.number().nonnegative().default(0.03),
  /**
   * If set, tau moves linearly from `tau` (end of the warm-up) to this value at the
   * last step, pulling the weights onto their components before quantisation.
   * Default: unset (tau stays constant, as in the paper).
   */
  finalTau: z.number().nonnegative().optional(),
  /**
   * If set, at the end of this epoch every weight under the prior whose most responsible
   * component is the zero one is set to exactly 0 and held there for the rest of the
   * retraining (its outgoing gradient is masked); the other weights keep training under
   * the prior. Default: unset (the paper: nothing is pruned before quantisation).
   */
  pruneAfterEpoch: z.number().int().min(1).optional(),
  /**
   * Per-layer multiplier of tau: `{ "conv2": 4, "fc2": 4 }` makes those layers' weights
   * count 4 times in the complexity term (their gradients and their share of the mixture
   * statistics). A key names a tensor under the prior ("conv2/kernel") or its layer
   * ("conv2"); a key that matches none is an error. Default: {} (every tensor 1, the
   * paper). Our LeNet-5-Caffe setting and its sweep are in docs/RESULTS.md.
   */
  tauScale: z.record(z.string(), z.number().nonnegative()).default({}),
  /** Passes over the training set (default: 30, the tutorial's). */
  epochs: z.number().int().min(1).default(30),
  /** Minibatch size (default: 128; the paper's ~18K updates in 40 epochs). */
  batchSize: z.number().int().min(1).default(128),
  /** tau rises linearly from 0 over this many epochs (default: 3; warm-up is reported essential). */
  warmupEpochs: z.number().nonnegative().default(3),
  /** Adam learning rates per parameter group (defaults: the tutorial's). */
  learningRates: z
    .strictObject({
      weights: z.number().positive().default(5e-4),
      means: z.number().positive().default(1e-4),
      gammas: z.number().positive().default(3e-3),
      rhos: z.number().positive().default(3e-3),
    })
    .default({ weights: 5e-4, means: 1e-4, gammas: 3e-3, rhos: 3e-3 }),
  /**
   * How every learning rate evolves after the tau warm-up: 'constant', or 'cosine'
   * (half a cosine from the full rate down to 0 at the last step). Default: 'constant'
   * (the tutorial's); the comparison is in docs/RESULTS.md.
   */
  schedule: z.enum(['constant', 'cosine']).default('constant'),
  /**
   * Where the gridded prior is evaluated: 'worker' (a second thread, overlapping the
   * network's forward/backward pass; same numbers bit for bit; falls back to the main
   * thread where node:worker_threads is unavailable) or 'main'. Default: 'worker'.
   */
  priorThread: z.enum(['worker', 'main']).default('worker'),
  /** Seed of the example order (default: 1). */
  seed: z.number().int().nonnegative().default(1),
  /** Evaluate the validation error every N epochs when the data has a validation split, 0 = never (default: 1). */
  evalEvery: z.number().int().nonnegative().default(1),
  /** Use only the first N training examples (default: all). */
  trainLimit: z.number().int().positive().optional(),
  /** Divergence guard: NaN/Inf losses tolerated (each halves the learning rates) before failing (default: 3). */
  maxRecoveries: z.number().int().nonnegative().default(3),
  /** The mixture prior's options. */
  prior: priorOptionsSchema.default(priorOptionsSchema.parse({})),
});

export type RetrainOptions = z.output<typeof retrainOptionsSchema>;
export type RetrainOptionsInput = z.input<typeof retrainOptionsSchema>;
