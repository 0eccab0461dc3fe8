import { formatBytes, largestFitting, MAX_TYPED_ARRAY_LENGTH, memoryBudget } from '@flow/io';
import { ScopeTooLargeError } from './errors';

/** Bytes usable for large arrays: `memoryLimitBytes` when given, else what the machine has available (see @flow/io memoryBudget). */
export function costMatrixBudgetBytes(memoryLimitBytes?: number): number {
  return memoryBudget({ memoryLimitBytes }).bytes;
}

/** The largest square scope whose cost matrix fits in the budget and in one typed array. */
export function maxScope(bytesPerEntry: number, budget = costMatrixBudgetBytes()): number {
  return Math.floor(Math.sqrt(Math.min(budget / bytesPerEntry, MAX_TYPED_ARRAY_LENGTH)));
}

/** A size to check against the memory budget before anything is allocated. */
export interface FitCheck {
  /** Who is asking, e.g. "exact matching" or "coupling ot". */
  label: string;
  /** The field that sets the size, as the caller names it (e.g. "ms", "n"). */
  field: string;
  value: number;
  /** Bytes needed at a given size. */
  bytes: (value: number) => number;
  /** Elements of the largest single typed array at a given size (V8 caps one at 2^32). */
  elements?: (value: number) => number;
  /** False when the caller cannot set the field (e.g. the row count of its files): no "lower it" advice. */
  adjustable?: boolean;
  /** What else the caller can change, in the library's own field names. */
  remedies?: string[];
  memoryLimitBytes?: number;
}

/**
 * Throws a ScopeTooLargeError naming the field, the bytes needed, the budget and the largest value that fits
 * (and the remedies, with `memoryLimitBytes` last) when `value` does not fit. Allocates nothing.
 */
export function checkFits(c: FitCheck): void {
  const budget = memoryBudget({ memoryLimitBytes: c.memoryLimitBytes });
  const elements = c.elements ?? (() => 0);
  const fits = (v: number): boolean => c.bytes(v) <= budget.bytes && elements(v) <= MAX_TYPED_ARRAY_LENGTH;
  if (fits(c.value)) return;
  const largest = largestFitting((v) => (fits(v) ? 0 : 1), 0, c.value);
  const need = c.bytes(c.value);
  const why =
    need > budget.bytes
      ? `needs ${formatBytes(need)}, more than the memory budget of ${formatBytes(budget.bytes)} (${budget.source})`
      : `needs one array of ${elements(c.value)} elements, more than the 2^32 a typed array can hold`;
  const remedies = [...(c.adjustable === false ? [] : [`lower ${c.field}`]), ...(c.remedies ?? []), 'raise memoryLimitBytes'];
  throw new ScopeTooLargeError(
    `${c.label}: ${c.field} = ${c.value} ${why}; the largest ${c.field} that fits is ${largest}; ${remedies.join(', or ')}`,
    largest,
  );
}

/** Throws a ScopeTooLargeError saying how large a scope can be when ms x ms entries do not fit. */
export function checkScopeFits(ms: number, bytesPerEntry: number, dim?: number, memoryLimitBytes?: number): void {
  checkFits({
    label: `exact matching${dim === undefined ? '' : ` at d = ${dim}`}`,
    field: 'ms',
    value: ms,
    bytes: (v) => v * v * bytesPerEntry,
    elements: (v) => v * v,
    memoryLimitBytes,
  });
}
