import { Subject, type Observable } from 'rxjs';

/** The named figures of a progress event, e.g. `{ loss: 0.12 }`; an absent figure was not measured this time. */
export type EventValues = Readonly<Record<string, number | undefined>>;

/**
 * A progress event that travels beside the artefacts, never as one. A stage's own event
 * type narrows `values` (e.g. `ProgressEvent<RetrainEpochValues>`); its factory's
 * `isEvent` tells its events apart on a shared channel.
 */
export interface ProgressEvent<Values extends EventValues = EventValues> {
  readonly stage: string;
  /** A named part of the stage's run, e.g. tune's `mask` search before its `shared` tuning. */
  readonly phase?: string;
  /** What is being counted, e.g. `epoch` or `step`. */
  readonly unit: string;
  readonly current: number;
  readonly total?: number;
  /** Named figures at this point (epoch events). */
  readonly values?: Values;
}

/** How one figure of a stage's events reads: a `share` is a fraction shown as a percentage, a `count` a whole number, `seconds` a duration. */
export interface Figure {
  readonly label: string;
  readonly kind: 'share' | 'count' | 'seconds' | 'number';
}

/** A label and kind for every figure a stage's epoch events carry, in the order to show them. */
export type Figures<Values extends EventValues> = { readonly [K in keyof Values]-?: Figure };

/**
 * One line of figures, e.g. `CE 0.0123  test error 1.91%`, for any stage's event: the
 * figures say how each value reads; absent values are left out.
 */
export function formatFigures(values: EventValues, figures: Readonly<Record<string, Figure>>): string {
  const parts: string[] = [];
  for (const [key, figure] of Object.entries(figures)) {
    const v = values[key];
    if (v === undefined) continue;
    const text = figure.kind === 'share' ? `${(v * 100).toFixed(2)}%` : figure.kind === 'count' ? String(v) : figure.kind === 'seconds' ? `${v.toFixed(1)} s` : v.toFixed(4);
    parts.push(`${figure.label} ${text}`);
  }
  return parts.join('  ');
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
