import { carveValidation, loadData, type Dataset } from '@softshare/data';
import { intFlag } from './args.js';

/** The --data and --validation flags of the commands that train. */
export const dataOptions = {
  data: { type: 'string' as const, default: 'mnist', description: "'mnist', or a folder of the four MNIST IDX files, of x_train.npy, y_train.npy, x_test.npy, y_test.npy, of train/<class>/ and test/<class>/ images, or of train.csv and test.csv" },
  validation: {
    type: 'string' as const,
    default: 'a twelfth of the training split (MNIST: 5,000 of 60,000, TensorFlow’s split)',
    description: 'training examples held out (seeded) as the validation split that every choice during the run uses; 0: none',
  },
};

/** Load --data and carve its validation split (--validation, default a twelfth of the training examples). */
export function loadTrainingData(values: Record<string, string | boolean | undefined>): Dataset {
  const full = loadData((values.data as string | undefined) ?? 'mnist');
  const size = intFlag('validation', values.validation, Math.round(full.train.count / 12), 0);
  return carveValidation(full, size);
}
