/**
 * Bad input to a dataset (a missing or malformed file, an unknown name, a bad option). The CLI exits 2 on
 * these. When the error is about one option (`loadDataset`'s spec: `dataset`), `field` names it and the
 * message starts with that name, so a caller can put its own name for the option there (a CLI flag).
 */
export class DataInputError extends Error {
  readonly kind = 'input' as const;
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'DataInputError';
    if (field !== undefined) this.field = field;
  }

  /** An error about one option: `DataInputError.field('dataset', 'nope: not a built-in dataset')`. */
  static field(field: string, problem: string): DataInputError {
    return new DataInputError(`${field} ${problem}`, field);
  }
}
