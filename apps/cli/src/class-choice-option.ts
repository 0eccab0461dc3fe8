import type { ClassChoice } from '@flow/trainer';
import { UsageError } from './usage-error';

/** `--class K|all`: a non-negative integer or `all` (whether K fits the model is the library's check). */
export function classChoiceOption(command: string, value: string | undefined): ClassChoice | undefined {
  if (value === undefined) return undefined;
  if (value === 'all') return 'all';
  if (!/^\d+$/.test(value)) throw new UsageError(`flow ${command}: --class expects a class index (0, 1, ...) or 'all', got '${value}'`);
  return Number(value);
}
