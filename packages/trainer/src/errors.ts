/**
 * Bad input to the trainer (a dataset file, a run directory, an option). The CLI exits 2 on these. When the
 * error is about one option, `field` names it as in `TrainOptions` (e.g. `steps`, `couplingOptions.beta`)
 * and the message starts with that name, so a caller can put its own name for the option there (a CLI flag).
 */
export class TrainerInputError extends Error {
  readonly kind = 'input' as const;
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'TrainerInputError';
    if (field !== undefined) this.field = field;
  }

  /** An error about one option: `TrainerInputError.field('steps', 'must be a positive integer, got 0')`. */
  static field(field: string, problem: string): TrainerInputError {
    return new TrainerInputError(`${field} ${problem}`, field);
  }
}
