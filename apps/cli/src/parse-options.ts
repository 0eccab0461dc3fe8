import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with errors turned into UsageError (exit 2) that name the command. */
export function parseOptions<T extends Options>(command: string, argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`flow ${command}: ${(error as Error).message}`);
  }
}

export function requireOption<T>(command: string, name: string, value: T | undefined): T {
  if (value === undefined || value === '') throw new UsageError(`flow ${command}: --${name} is required`);
  return value;
}

/** Parses a numeric option, naming the option and the expectation on failure. */
export function numberOption(command: string, name: string, value: string | undefined, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const kind = opts.integer ? 'an integer' : 'a number';
  if (value.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`flow ${command}: --${name} expects ${kind}, got '${value}'`);
  }
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`flow ${command}: --${name} must be >= ${opts.min}, got ${value}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`flow ${command}: --${name} must be <= ${opts.max}, got ${value}`);
  return n;
}
