import { Observable, type OperatorFunction } from 'rxjs';

/**
 * An rxjs operator around a long async run per input model: runs one input at a time,
 * passes `isCancelled` (true once the subscriber unsubscribes, so the run can stop within
 * a batch), and forwards the result or the error unless cancelled.
 */
export function cancellableStage<In, Out>(run: (input: In, isCancelled: () => boolean) => Promise<Out>): OperatorFunction<In, Out> {
  return (source) =>
    new Observable<Out>((subscriber) => {
      let cancelled = false;
      const isCancelled = () => cancelled;
      let pending = Promise.resolve();
      const inner = source.subscribe({
        next: (input) => {
          pending = pending.then(async () => {
            try {
              const out = await run(input, isCancelled);
              if (!cancelled) subscriber.next(out);
            } catch (e) {
              if (!cancelled) subscriber.error(e);
            }
          });
        },
        error: (e) => subscriber.error(e),
        complete: () => void pending.then(() => subscriber.complete()),
      });
      return () => {
        cancelled = true;
        inner.unsubscribe();
      };
    });
}
