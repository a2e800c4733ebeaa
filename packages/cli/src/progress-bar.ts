import type { ProgressEvent } from '@softshare/core';

/**
 * A one-line progress bar for a terminal: `retrain epoch 3/30 [#####.....] step 120/469 ETA 2m10s`.
 * `total.stage` is the pipeline's long first stage (retrain, or sparsify) whose epochs the
 * ETA counts; later stages' steps get a bar with their name and no ETA. Returns the text
 * to write (starting with a carriage return), or '' when nothing changed enough to redraw
 * (at most ~10 redraws a second).
 */
export function progressBar(total: { stage: string; epochs: number }, startedAt: number) {
  let epoch = 1;
  let last = 0;
  let doneSteps = 0;
  return (e: ProgressEvent, now = performance.now()): string => {
    if (e.unit === 'epoch') {
      if (e.stage === total.stage) epoch = e.current + 1;
      return '';
    }
    if (e.unit !== 'step' || e.total === undefined) return '';
    if (e.stage === total.stage) doneSteps++;
    if (now - last < 100 && e.current !== e.total) return '';
    last = now;
    const width = 24;
    const filled = Math.round((e.current / e.total) * width);
    if (e.stage !== total.stage) return `\r${e.stage} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] step ${e.current}/${e.total}   `;
    const remainingSteps = (total.epochs - epoch) * e.total + (e.total - e.current);
    const eta = doneSteps > 0 ? ((now - startedAt) / doneSteps) * remainingSteps / 1000 : NaN;
    const etaText = Number.isFinite(eta) ? `${Math.floor(eta / 60)}m${String(Math.round(eta % 60)).padStart(2, '0')}s` : '?';
    return `\r${total.stage} epoch ${Math.min(epoch, total.epochs)}/${total.epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] step ${e.current}/${e.total} ETA ${etaText}   `;
  };
}
