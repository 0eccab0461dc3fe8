import { freemem, totalmem } from 'node:os';
import { ScopeTooLargeError } from './errors';

/** Largest typed array V8 allows in Node 20 (bytes). */
const MAX_ARRAY_BYTES = 2 ** 32;

/** Bytes usable for one cost matrix: what a single typed array may hold, and at most 60% of memory now free. */
export function costMatrixBudgetBytes(): number {
  const free = Math.max(freemem(), totalmem() * 0.25);
  return Math.min(MAX_ARRAY_BYTES, Math.floor(free * 0.6));
}

/** The largest square scope whose cost matrix fits in the budget. */
export function maxScope(bytesPerEntry: number, budget = costMatrixBudgetBytes()): number {
  return Math.floor(Math.sqrt(budget / bytesPerEntry));
}

/** Throws a ScopeTooLargeError saying how large a scope can be when ms x ms entries do not fit. */
export function checkScopeFits(ms: number, bytesPerEntry: number, dim?: number): void {
  const budget = costMatrixBudgetBytes();
  const need = ms * ms * bytesPerEntry;
  if (need <= budget) return;
  const max = maxScope(bytesPerEntry, budget);
  const at = dim === undefined ? '' : ` at d = ${dim}`;
  throw new ScopeTooLargeError(
    `exact matching: a scope of ms = ${ms}${at} needs a ${(need / 2 ** 30).toFixed(2)} GiB cost matrix (${bytesPerEntry}-byte entries), ` +
      `but only ${(budget / 2 ** 30).toFixed(2)} GiB is available: use ms <= ${max}, or the greedy (dansm) coupling, which needs only batch x ms distances`,
    max,
  );
}
