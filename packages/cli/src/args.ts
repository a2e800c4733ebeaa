import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage error: the CLI prints it in one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Option name -> [type, default shown in --help, description]. */
  readonly options: Record<string, { type: 'string' | 'boolean'; default?: string; description: string; required?: boolean }>;
}

/** Parse a command's flags strictly; unknown flags and missing required ones are usage errors. */
export function parseCommand(spec: CommandSpec, argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [k, v] of Object.entries(spec.options)) options[k] = { type: v.type };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${spec.name}: ${(e as Error).message.split('\n')[0]}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { values, positionals: parsed.positionals };
  for (const [k, v] of Object.entries(spec.options)) {
    if (v.required && values[k] === undefined) throw new UsageError(`${spec.name}: missing required option --${k}`);
  }
  return { values, positionals: parsed.positionals };
}

/** Help text listing every option with its default. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([k, v]) => {
    const flag = v.type === 'string' ? `--${k} <value>` : `--${k}`;
    const def = v.required ? ' (required)' : v.default !== undefined ? ` (default: ${v.default})` : '';
    return `  ${flag.padEnd(24)} ${v.description}${def}`;
  });
  return `${spec.summary}\n\nUsage: ${spec.usage}\n\nOptions:\n${rows.join('\n')}\n  ${'--help'.padEnd(24)} show this help\n`;
}

/** Parse a positive integer flag or throw a usage error naming it. */
export function intFlag(name: string, value: string | boolean | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`Expected --${name} to be an integer >= ${min}, got '${String(value)}'`);
  }
  return n;
}

/** Parse a positive number flag or throw a usage error naming it. */
export function numberFlag(name: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`Expected --${name} to be a positive number, got '${String(value)}'`);
  }
  return n;
}
