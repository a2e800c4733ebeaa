import { carveValidation, loadData, readManifest, withPreprocessing, type Dataset, type Preprocessing } from '@softshare/data';
import { intFlag, UsageError } from './args.js';

/** The flags that say what the inputs go through before the model: every command that reads --data takes them. */
export const preprocessingOptions = {
  'input-divisor': { type: 'string' as const, default: '255 for uint8 inputs, 1 for float inputs', description: 'every input value is divided by this' },
  'input-mean': { type: 'string' as const, default: 'none', description: 'then this is subtracted: one value, or one per channel (the last axis), comma-separated' },
  'input-std': { type: 'string' as const, default: 'none', description: 'then the result is divided by this: one value or one per channel' },
};

/** The --data and --validation flags of the commands that train, with the preprocessing flags. */
export const dataOptions = {
  data: { type: 'string' as const, default: 'mnist', description: "'mnist', or a folder of the four MNIST IDX files, of x_train.npy, y_train.npy, x_test.npy, y_test.npy, of train/<class>/ and test/<class>/ images, or of train.csv and test.csv, or a .json manifest ({ train: { inputs, labels }, test: {...}, preprocessing?, validation? } or { folder })" },
  validation: {
    type: 'string' as const,
    default: 'a twelfth of the training split (MNIST: 5,000 of 60,000, TensorFlow’s split)',
    description: 'training examples held out (seeded) as the validation split that every choice during the run uses; 0: none',
  },
  ...preprocessingOptions,
};

function numbers(name: string, v: string | boolean | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = typeof v === 'string' ? v.split(',').map((t) => (t.trim() === '' ? NaN : Number(t))) : [NaN];
  if (xs.some((x) => !Number.isFinite(x))) throw new UsageError(`Expected --${name} to be a number or comma-separated numbers, got '${String(v)}'`);
  return xs;
}

/** The preprocessing the flags ask for (undefined when none is given). */
export function preprocessingFlags(values: Record<string, string | boolean | undefined>): Partial<Preprocessing> | undefined {
  const divisor = numbers('input-divisor', values['input-divisor']);
  if (divisor && divisor.length !== 1) throw new UsageError(`Expected --input-divisor to be one number, got '${String(values['input-divisor'])}'`);
  const mean = numbers('input-mean', values['input-mean']);
  const std = numbers('input-std', values['input-std']);
  if (!divisor && !mean && !std) return undefined;
  return { ...(divisor ? { divisor: divisor[0] } : {}), ...(mean ? { mean } : {}), ...(std ? { std } : {}) };
}

/** Load --data with the preprocessing flags applied and carve its validation split (--validation, default a twelfth of the training examples). */
export function loadTrainingData(values: Record<string, string | boolean | undefined>): Dataset {
  const loaded = loadData((values.data as string | undefined) ?? 'mnist');
  const flags = preprocessingFlags(values);
  const full = flags ? withPreprocessing(loaded, flags) : loaded;
  // --validation, else a manifest's "validation", else a twelfth
  const source = (values.data as string | undefined) ?? 'mnist';
  const fallback = (source.endsWith('.json') ? readManifest(source).validation : undefined) ?? Math.round(full.train.count / 12);
  const size = intFlag('validation', values.validation, fallback, 0);
  return carveValidation(full, size);
}
