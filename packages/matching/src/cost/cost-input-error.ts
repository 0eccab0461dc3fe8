import { MatchingInputError } from '../errors';

/** Bad input to the cost-matrix functions (shape, values, size). */
export class CostInputError extends MatchingInputError {
  override readonly code = 'COST_INPUT';
}
