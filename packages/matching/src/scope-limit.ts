import { MAX_TYPED_ARRAY_LENGTH, memoryBudget, overBudget, type BudgetCheck } from '@flow/io';
import { ScopeTooLargeError } from './errors';

/** Bytes usable for large arrays: `memoryLimitBytes` when given, else what the machine has available (see @flow/io memoryBudget). */
export function costMatrixBudgetBytes(memoryLimitBytes?: number): number {
  return memoryBudget({ memoryLimitBytes }).bytes;
}

/** The largest square scope whose cost matrix fits in the budget and in one typed array. */
export function maxScope(bytesPerEntry: number, budget = costMatrixBudgetBytes()): number {
  return Math.floor(Math.sqrt(Math.min(budget / bytesPerEntry, MAX_TYPED_ARRAY_LENGTH)));
}

/** The size checks of @flow/matching: see BudgetCheck in @flow/io. */
export type FitCheck = BudgetCheck;

/**
 * Throws a ScopeTooLargeError naming the field, the bytes needed, the budget and the largest value that fits
 * (and the remedies, with `memoryLimitBytes` last) when `value` does not fit. Allocates nothing.
 */
export function checkFits(c: FitCheck): void {
  const over = overBudget(c);
  if (over) throw new ScopeTooLargeError(over.message, over.largest);
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
