import { SoftshareError, type Rng, type RngState } from '@softshare/core';
import { epochOrder } from '@softshare/data';

/** Where a batch falls in a run. */
export interface LoopPosition {
  /** Epochs completed before this one (0-based index of the running epoch). */
  readonly epoch: number;
  /** Index of the batch in its epoch. */
  readonly step: number;
  /** Batches since the run began, over every epoch (0-based). */
  readonly global: number;
}

/** A training loop: what varies between the stages; `runEpochs` does the rest. */
export interface TrainingLoop {
  /** Stage name on the errors. */
  readonly stage: string;
  /** What the run is called in messages, e.g. 'Retraining'. */
  readonly label: string;
  readonly epochs: number;
  /** Training examples per epoch, and how many a batch holds (the last may hold fewer). */
  readonly count: number;
  readonly batchSize: number;
  /** Draws each epoch's example order (`epochOrder`); the stage may restore its state on a roll-back. */
  readonly rng: Rng;
  /** Resume here: epochs completed, and batches already done in the next one (its order is drawn again from `rng`). */
  readonly from?: { readonly epoch: number; readonly step: number };
  /** Polled before every batch; true stops the run with E_CANCELLED. */
  readonly isCancelled?: () => boolean;
  /** On cancellation, before E_CANCELLED: where the run stopped and the rng state before that epoch's order was drawn (to checkpoint a resumable point). */
  readonly onCancel?: (at: LoopPosition, rngBefore: RngState) => void | Promise<void>;
  /** Before each epoch's order is drawn. */
  readonly beginEpoch?: (epoch: number) => void;
  /** One training step on the batch's example indices; returns its loss. */
  readonly batch: (indices: Int32Array, at: LoopPosition) => number | Promise<number>;
  /** After each batch: batches done in this epoch, batches per epoch. */
  readonly onStep?: (step: number, steps: number) => void;
  /** After each epoch, with the epochs completed and the epoch's batch count. */
  readonly endEpoch?: (epochsDone: number, batches: number) => void | Promise<void>;
  /**
   * The divergence guard, on a non-finite loss: roll back and return the epochs completed
   * to continue from, or throw. Without it the run fails with E_DIVERGED and `divergedHint`.
   */
  readonly onDiverged?: (at: LoopPosition) => number | Promise<number>;
  /** The advice on E_DIVERGED, e.g. 'lower tune.learningRate'. */
  readonly divergedHint?: string;
}

/** Let unsubscribes, signals and progress renderers through between batches. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * The one epoch / batch skeleton every training stage runs: each epoch draws its order
 * from `loop.rng`, then for each batch checks cancellation (E_CANCELLED after
 * `onCancel`), runs `batch`, guards against a non-finite loss, reports the step and
 * yields to the event loop; `endEpoch` closes each epoch (figures, checkpoints).
 * Deterministic: the same loop and rng state give the same calls in the same order, and
 * a run resumed `from` where another stopped continues it exactly.
 *
 * @example
 * await runEpochs({ stage: 'fit', label: 'Fitting', epochs: 2, count: n, batchSize: 128, rng: new Rng(1),
 *   batch: (idx) => trainStep(idx), endEpoch: (e) => console.log('epoch', e) });
 */
export async function runEpochs(loop: TrainingLoop): Promise<void> {
  const perEpoch = Math.ceil(loop.count / loop.batchSize);
  let epoch = loop.from?.epoch ?? 0;
  let startStep = loop.from?.step ?? 0;
  while (epoch < loop.epochs) {
    loop.beginEpoch?.(epoch);
    const rngBefore = loop.rng.state;
    const batches = epochOrder(loop.count, loop.batchSize, loop.rng);
    let diverged: LoopPosition | undefined;
    for (let step = startStep; step < batches.length; step++) {
      const at = { epoch, step, global: epoch * perEpoch + step };
      if (loop.isCancelled?.()) {
        await loop.onCancel?.(at, rngBefore);
        throw new SoftshareError('E_CANCELLED', loop.stage, `${loop.label} cancelled in epoch ${epoch + 1} after ${step} batches`);
      }
      const loss = await loop.batch(batches[step], at);
      if (!Number.isFinite(loss)) {
        diverged = at;
        break;
      }
      loop.onStep?.(step + 1, batches.length);
      await yieldToEventLoop();
    }
    startStep = 0;
    if (diverged) {
      if (!loop.onDiverged) throw new SoftshareError('E_DIVERGED', loop.stage, `Loss became NaN/Inf in ${loop.label.toLowerCase()} epoch ${epoch + 1}${loop.divergedHint ? `; ${loop.divergedHint}` : ''}`);
      epoch = await loop.onDiverged(diverged);
      continue;
    }
    epoch++;
    await loop.endEpoch?.(epoch, batches.length);
  }
}
