import { FlowInputError } from '@flow/errors';

/** Bad solver input (options, shapes, parameter files). */
export class SolverInputError extends FlowInputError {
  override readonly code = 'SOLVER_INPUT';
}
