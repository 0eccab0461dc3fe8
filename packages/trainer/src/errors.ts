/** Bad input to the trainer (a dataset file, a run directory, a config field). The CLI exits 2 on these. */
export class TrainerInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TrainerInputError';
  }
}
