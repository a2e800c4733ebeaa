import { componentTerms, evaluatePrior, type MixtureParams, type PriorEvaluation } from './gaussian-mixture.js';
import { fromKernelOutput, griddedKernel, GRID_STEP_PER_STD, MAX_GRID_NODES } from './gridded-prior.js';

/**
 * The gridded prior on a second thread, so that it overlaps the network's own step:
 * fill `weights`, call start(), run the network's forward/backward, then finish()
 * waits for the prior's value and gradients (written into `grads`). The worker runs
 * griddedKernel from its source text, so the numbers are bit-identical to
 * evaluatePriorGridded on the calling thread. Worker and caller share memory and
 * synchronise with Atomics: no message per step.
 */
export interface PriorWorker {
  /** Per prior tensor: where the caller puts the current weights before start(). */
  readonly weights: readonly Float32Array[];
  /** Per prior tensor: gradScale * d(-log p)/dw after finish(). */
  readonly grads: readonly Float32Array[];
  start(params: MixtureParams, gradScale: number, wantValue?: boolean): void;
  finish(): PriorEvaluation;
  close(): Promise<void>;
}

// control words (Int32): job sequence number posted, job sequence number done, quit
const POSTED = 0;
const DONE = 1;
const QUIT = 2;
// job header (Float64) before the 6 per-component arrays: gradScale, wantValue, gridStep, maxNodes
const HEAD = 4;
/** Longest a finish() waits for the worker before giving up (ms). */
const WAIT_MS = 120_000;

/** One Float32Array view per tensor over a shared buffer (also runs on the worker from its source text). */
function tensorViews(buf: SharedArrayBuffer, sizes: readonly number[]): Float32Array[] {
  let off = 0;
  return sizes.map((n) => {
    const v = new Float32Array(buf, 4 * off, n);
    off += n;
    return v;
  });
}

/** Body of the worker thread; runs from its source text, so it may only use its arguments. */
function workerLoop(kernel: typeof griddedKernel, views: typeof tensorViews, data: { ctrl: SharedArrayBuffer; job: SharedArrayBuffer; out: SharedArrayBuffer; weights: SharedArrayBuffer; grads: SharedArrayBuffer; sizes: number[]; scales: number[] | null; J: number }) {
  const ctrl = new Int32Array(data.ctrl);
  const job = new Float64Array(data.job);
  const out = new Float64Array(data.out);
  const J = data.J;
  const arrays = [0, 1, 2, 3, 4, 5].map((q) => job.subarray(4 + q * J, 4 + (q + 1) * J)); // 4 = HEAD
  const ws = views(data.weights, data.sizes);
  const gs = views(data.grads, data.sizes);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, 0, seen);
    if (Atomics.load(ctrl, 2) !== 0) return;
    seen = Atomics.load(ctrl, 0);
    let status = 1;
    try {
      const ok = kernel(arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], arrays[5], ws, gs, data.scales, job[0], job[1] !== 0, job[2], job[3], out.subarray(1));
      status = ok ? 1 : 0;
    } catch {
      status = -1;
    }
    out[0] = status;
    Atomics.store(ctrl, 1, seen);
    Atomics.notify(ctrl, 1);
  }
}

/**
 * Start a prior worker for tensors of the given sizes and a J-component mixture, or
 * return null where node:worker_threads is unavailable (a browser): callers then use
 * evaluatePriorGridded on their own thread. `scales`: per-tensor prior strength, as in
 * evaluatePrior.
 */
export async function createPriorWorker(sizes: readonly number[], J: number, scales: readonly number[] | null = null): Promise<PriorWorker | null> {
  if (scales && scales.length !== sizes.length) throw new Error(`prior worker: expected ${sizes.length} scales, got ${scales.length}`);
  let threads: typeof import('node:worker_threads');
  try {
    threads = await import('node:worker_threads');
  } catch {
    return null;
  }
  const total = sizes.reduce((s, n) => s + n, 0);
  const shared = {
    ctrl: new SharedArrayBuffer(3 * 4),
    job: new SharedArrayBuffer((HEAD + 6 * J) * 8),
    out: new SharedArrayBuffer((2 + 3 * J) * 8),
    weights: new SharedArrayBuffer(4 * total),
    grads: new SharedArrayBuffer(4 * total),
    sizes: [...sizes],
    scales: scales ? [...scales] : null,
    J,
  };
  const source = [
    `const kernel = ${griddedKernel.toString()};`,
    `const views = ${tensorViews.toString()};`,
    `(${workerLoop.toString()})(kernel, views, require('node:worker_threads').workerData);`,
  ].join('\n');
  const worker = new threads.Worker(source, { eval: true, workerData: shared });
  let failure: Error | null = null;
  worker.on('error', (e) => (failure = e));
  // a worker that cannot start reports it here rather than by never answering
  await new Promise<void>((resolve, reject) => {
    worker.once('online', () => resolve());
    worker.once('error', reject);
  }).catch((e: Error) => {
    throw new Error(`prior worker failed to start: ${e.message}`);
  });
  worker.unref();
  const ctrl = new Int32Array(shared.ctrl);
  const job = new Float64Array(shared.job);
  const out = new Float64Array(shared.out);
  const weights = tensorViews(shared.weights, sizes);
  const grads = tensorViews(shared.grads, sizes);
  let seq = 0;
  let pending: { params: MixtureParams; lam: Float64Array; gradScale: number; wantValue: boolean } | null = null;
  return {
    weights,
    grads,
    start(params, gradScale, wantValue = false) {
      if (pending) throw new Error('prior worker: start() called twice without finish()');
      if (params.means.length !== J) throw new Error(`prior worker: expected ${J} components, got ${params.means.length}`);
      const terms = componentTerms(params);
      job[0] = gradScale;
      job[1] = wantValue ? 1 : 0;
      job[2] = GRID_STEP_PER_STD;
      job[3] = MAX_GRID_NODES;
      [params.means, params.gammas, terms.lam, terms.a, terms.b, terms.c].forEach((arr, q) => job.set(arr, HEAD + q * J));
      pending = { params, lam: terms.lam, gradScale, wantValue };
      seq = (seq + 1) | 0;
      Atomics.store(ctrl, POSTED, seq);
      Atomics.notify(ctrl, POSTED);
    },
    finish() {
      if (!pending) throw new Error('prior worker: finish() without start()');
      const { params, lam, gradScale, wantValue } = pending;
      pending = null;
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const done = Atomics.load(ctrl, DONE);
        if (done === seq) break;
        if (failure) throw new Error(`prior worker failed: ${(failure as Error).message}`);
        if (Date.now() > deadline) throw new Error(`prior worker: no result after ${WAIT_MS / 1000} s`);
        Atomics.wait(ctrl, DONE, done, 100);
      }
      if (out[0] === -1) throw new Error('prior worker: the gridded kernel threw');
      // the kernel declined (grid too fine, or non-finite weights): the exact pass here
      if (out[0] === 0) return evaluatePrior(params, weights, grads, gradScale, wantValue, scales);
      return fromKernelOutput(params, lam, out.subarray(1));
    },
    async close() {
      Atomics.store(ctrl, QUIT, 1);
      Atomics.add(ctrl, POSTED, 1);
      Atomics.notify(ctrl, POSTED);
      await worker.terminate();
    },
  };
}
