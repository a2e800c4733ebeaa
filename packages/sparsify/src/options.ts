import { z } from 'zod';

/** Options of the sparsify stage; defaults and their origin are in the README. */
export const sparsifyOptionsSchema = z.strictObject({
  /** Passes of sparse variational dropout over the training set (default: 12, our LeNet-5-Caffe sweep in docs/RESULTS.md). */
  epochs: z.number().int().positive().default(12),
  /** Adam learning rate of the means, log-variances and biases, where the schedule starts (default: 3e-3, our LeNet-5-Caffe sweep in docs/RESULTS.md; the earlier default, 1e-3, is Molchanov et al. 2017's). */
  learningRate: z.number().positive().default(3e-3),
  /** Learning-rate schedule: constant, or a cosine decay from `learningRate` to 0 over the epochs (default: cosine; on LeNet-5-Caffe, from 3e-3, it beat a constant 3e-3 at 9 and 12 epochs, docs/RESULTS.md). */
  schedule: z.enum(['constant', 'cosine']).default('cosine'),
  /** Minibatch size (default: 128). */
  batchSize: z.number().int().min(1).default(128),
  /** Weight of the KL term: the loss is cross-entropy + kl x KL / N_train (default: 2, our LeNet-5-Caffe check in docs/RESULTS.md; 1 is the variational bound). */
  kl: z.number().nonnegative().default(2),
  /** Epochs over which the KL weight rises linearly from 0 to `kl` (default: 2). */
  anneal: z.number().nonnegative().default(2),
  /** Initial log-variance of every weight (default: -10, so training starts at the pretrained network). */
  initLogVariance: z.number().default(-10),
  /** Share of the weights (over every tensor sparsified) that stays non-zero: those of lowest log-alpha (default: 0.0049, under the paper's 0.5% for LeNet-5-Caffe). */
  density: z.number().gt(0).max(1).default(0.0049),
  /** Shared non-zero values per tensor, fitted by 1-D k-means over its kept weights (default: 10, our LeNet-5-Caffe check over four seeds in docs/RESULTS.md: median 1.05% test error against 1.12% with 9). */
  values: z.number().int().min(1).max(255).default(10),
  /** Per-tensor overrides of `values` by parameter name, e.g. {"fc1/kernel": 12}; every name must be a kernel of the model (default: none). */
  tensorValues: z.record(z.string(), z.number().int().min(1).max(255)).optional(),
  /** Every this many epochs, report the validation error of the kept weights' means (the top `density` share by log-alpha, before k-means) when the data has a validation split; 0: never (default: 1; one pass over the validation split). */
  evalEvery: z.number().int().nonnegative().default(1),
  /** Seed of the example order and of the noise (default: 1); at least 1, since the noise seeds are seed, seed + 1, ... and tfjs draws a random one for 0. */
  seed: z.number().int().positive().default(1),
  /** Use only the first N training examples (default: all). */
  trainLimit: z.number().int().positive().optional(),
});

export type SparsifyOptions = z.output<typeof sparsifyOptionsSchema>;
export type SparsifyOptionsInput = z.input<typeof sparsifyOptionsSchema>;
