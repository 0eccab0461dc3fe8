import { FlowInputError } from '@flow/errors';

/**
 * Bad input to a dataset (a missing or malformed file, an unknown name, a bad option). When the error is about
 * one option (`loadDataset`'s spec: `dataset`), `field` names it and the message starts with that name, so a
 * caller can put its own name for the option there (a CLI flag).
 */
export class DataInputError extends FlowInputError {
  override readonly code = 'DATA_INPUT';
  constructor(message: string, field?: string) {
    super(message, field !== undefined ? { field } : undefined);
  }

  /** An error about one option: `DataInputError.field('dataset', 'nope: not a built-in dataset')`. */
  static field(field: string, problem: string): DataInputError {
    return new DataInputError(`${field} ${problem}`, field);
  }
}
