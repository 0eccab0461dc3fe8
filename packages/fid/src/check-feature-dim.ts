import { overBudget } from '@flow/io';
import { FidInputError } from './errors';

/**
 * float64 d x d matrices alive at once in a Frechet distance: both covariances (and their accumulators), the
 * Cholesky factor, the product and the eigenvalue workspace.
 */
export const FID_MATRICES = 8;

/**
 * Throws a FidInputError before any d x d matrix is allocated when features of dimension `dim` cannot have
 * their covariances and Frechet distance computed within the memory budget; the message says the largest
 * dimension that fits. `memoryLimitBytes` overrides the budget the machine reports.
 */
export function checkFeatureDim(dim: number, memoryLimitBytes?: number): void {
  const over = overBudget({
    label: 'Frechet distance',
    field: 'dim',
    value: dim,
    adjustable: false,
    bytes: (d) => 8 * FID_MATRICES * d * d + 8 * 512 * d,
    elements: (d) => d * d,
    memoryLimitBytes,
  });
  if (over) throw new FidInputError(over.message);
}
