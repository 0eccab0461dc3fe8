/** Bad solver input (options, shapes, parameter files): the CLI maps `kind === 'input'` to exit code 2. */
export class SolverInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SolverInputError';
  }
}
