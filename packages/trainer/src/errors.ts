import { FlowInputError } from '@flow/errors';

/**
 * Bad input to the trainer (a dataset file, a run directory, an option). When the error is about one option,
 * `field` names it as in `TrainOptions` (e.g. `steps`, `couplingOptions.beta`) and the message starts with that
 * name, so a caller can put its own name for the option there (a CLI flag).
 */
export class TrainerInputError extends FlowInputError {
  override readonly code = 'TRAINER_INPUT';
  constructor(message: string, field?: string) {
    super(message, field !== undefined ? { field } : undefined);
  }

  /** An error about one option: `TrainerInputError.field('steps', 'must be a positive integer, got 0')`. */
  static field(field: string, problem: string): TrainerInputError {
    return new TrainerInputError(`${field} ${problem}`, field);
  }
}
