import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import { silentProgress, type ProgressChannel } from './progress.js';

/** Run-time context every stage receives besides its options. */
export interface StageContext {
  readonly progress: ProgressChannel;
}

/** A stage factory: options in, typed rxjs operator out. */
export type StageFactory<Schema extends z.ZodType, In, Out> = ((
  options?: z.input<Schema>,
  context?: Partial<StageContext>,
) => OperatorFunction<In, Out>) & { readonly stageName: string; readonly schema: Schema };

/**
 * Turn zod issues into one line: "stage: field: Expected X, got Y".
 */
export function formatOptionsError(stage: string, error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(options)';
    return `${field}: ${issue.message}`;
  });
  return `${stage}: invalid options: ${parts.join('; ')}`;
}

/**
 * Parse stage options with their schema, throwing one line naming the stage and field.
 * For stage factories that take more than options (e.g. the training data).
 */
export function parseOptions<Schema extends z.ZodType>(stage: string, schema: Schema, options: unknown): z.output<Schema> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new TypeError(formatOptionsError(stage, parsed.error));
  return parsed.data;
}

/**
 * Define a stage. The options are parsed with `schema` when the stage is assembled, so a
 * bad option throws before any data flows, naming the stage and the field.
 *
 * @example
 * const scale = defineStage('scale', z.object({ by: z.number().default(2) }),
 *   (opts) => map((x: number) => x * opts.by));
 * of(1, 2).pipe(scale({ by: 3 })); // 3, 6
 */
export function defineStage<Schema extends z.ZodType, In, Out>(
  name: string,
  schema: Schema,
  build: (options: z.output<Schema>, context: StageContext) => OperatorFunction<In, Out>,
): StageFactory<Schema, In, Out> {
  const factory = (options?: z.input<Schema>, context?: Partial<StageContext>) => {
    return build(parseOptions(name, schema, options), { progress: context?.progress ?? silentProgress });
  };
  return Object.assign(factory, { stageName: name, schema });
}
