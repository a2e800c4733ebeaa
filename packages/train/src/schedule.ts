/**
 * Learning-rate multiplier at a step: 1 during a warm-up, then constant or a cosine decay
 * to 0 over the remaining steps.
 *
 * @example
 * optimizer.learningRate = lr * scheduleFactor('cosine', step, warmupSteps, totalSteps);
 */
export function scheduleFactor(schedule: 'constant' | 'cosine', step: number, warmupSteps: number, totalSteps: number): number {
  if (schedule === 'constant' || step < warmupSteps || totalSteps <= warmupSteps) return 1;
  return 0.5 * (1 + Math.cos((Math.PI * (step - warmupSteps)) / (totalSteps - warmupSteps)));
}
