import { Subject, type Observable } from 'rxjs';

/** A progress event that travels beside the artefacts, never as one. */
export interface ProgressEvent {
  readonly stage: string;
  /** What is being counted, e.g. `epoch` or `step`. */
  readonly unit: string;
  readonly current: number;
  readonly total?: number;
  /** Named figures at this point, e.g. `{ loss: 0.12 }`. */
  readonly values?: Readonly<Record<string, number>>;
}

/** Where stages send progress; `events$` is what a CLI or a UI subscribes to. */
export interface ProgressChannel {
  readonly events$: Observable<ProgressEvent>;
  emit(event: ProgressEvent): void;
  complete(): void;
}

/**
 * Create a progress channel.
 *
 * @example
 * const progress = createProgressChannel();
 * progress.events$.subscribe((e) => console.log(e.stage, e.current, e.total));
 */
export function createProgressChannel(): ProgressChannel {
  const subject = new Subject<ProgressEvent>();
  return {
    events$: subject.asObservable(),
    emit: (event) => subject.next(event),
    complete: () => subject.complete(),
  };
}

/** A channel that drops everything; the default when nobody listens. */
export const silentProgress: ProgressChannel = {
  events$: new Subject<ProgressEvent>().asObservable(),
  emit: () => undefined,
  complete: () => undefined,
};
