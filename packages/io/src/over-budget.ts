import { largestFitting } from './largest-fitting';
import { formatBytes, MAX_TYPED_ARRAY_LENGTH, memoryBudget } from './memory-budget';

/** A size to check against the memory budget before anything is allocated. */
export interface BudgetCheck {
  /** Who is asking, e.g. "exact matching" or "coupling ot". */
  label: string;
  /** The field that sets the size, as the caller's API names it (e.g. "ms", "count"). */
  field: string;
  value: number;
  /** Bytes needed at a given size (growing with it). */
  bytes: (value: number) => number;
  /** Elements of the largest single typed array at a given size (V8 caps one at 2^32). */
  elements?: (value: number) => number;
  /** False when the caller cannot set the field (e.g. the row count of its files): no "lower it" advice. */
  adjustable?: boolean;
  /** What else the caller can change, in its own field names, e.g. "use solver 'greedy' (no n x n matrix)". */
  remedies?: string[];
  /** An explicit budget; default: what the machine has available (see memoryBudget). */
  memoryLimitBytes?: number;
}

/**
 * Undefined when `value` fits the budget; else the largest value that does and a one-line message naming the
 * field, the bytes needed, the budget and where it came from, and the remedies (`memoryLimitBytes` last).
 * Allocates nothing: packages throw their own input error with the message.
 */
export function overBudget(c: BudgetCheck): { message: string; largest: number } | undefined {
  const budget = memoryBudget({ memoryLimitBytes: c.memoryLimitBytes });
  const elements = c.elements ?? (() => 0);
  const fits = (v: number): boolean => c.bytes(v) <= budget.bytes && elements(v) <= MAX_TYPED_ARRAY_LENGTH;
  if (fits(c.value)) return undefined;
  const largest = largestFitting((v) => (fits(v) ? 0 : 1), 0, c.value);
  const need = c.bytes(c.value);
  const why =
    need > budget.bytes
      ? `needs ${formatBytes(need)}, more than the memory budget of ${formatBytes(budget.bytes)} (${budget.source})`
      : `needs one array of ${elements(c.value)} elements, more than the 2^32 a typed array can hold`;
  const remedies = [...(c.adjustable === false ? [] : [`lower ${c.field}`]), ...(c.remedies ?? []), 'raise memoryLimitBytes'];
  return { message: `${c.label}: ${c.field} = ${c.value} ${why}; the largest ${c.field} that fits is ${largest}; ${remedies.join(', or ')}`, largest };
}
