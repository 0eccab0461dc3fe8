import { TrainerInputError } from './errors';

/** Which class a guided sample is drawn for: one class index for every row, or `all` (row i gets class i mod classes). */
export type ClassChoice = number | 'all';

/**
 * Checks a class choice against a model: a conditional model (`classes` set) and, for a number, an index in
 * [0, classes). Errors name `field` (the option's name in the caller's API).
 */
export function checkClassChoice(choice: ClassChoice, classes: number | undefined, field = 'class'): void {
  if (classes === undefined || classes < 1) {
    throw TrainerInputError.field(field, `${String(choice)}: the model is unconditional (it was not trained with class labels)`);
  }
  if (choice === 'all') return;
  if (!Number.isInteger(choice) || choice < 0 || choice >= classes) {
    throw TrainerInputError.field(field, `must be a class index in 0..${classes - 1} or 'all', got ${String(choice)}`);
  }
}

/**
 * The class of each row [firstRow, firstRow + count): `choice` itself, or for `all` the global row index
 * mod `classes`, so shards of one run agree and K * classes rows hold K of each class.
 */
export function rowClasses(choice: ClassChoice, classes: number, firstRow: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = choice === 'all' ? (firstRow + i) % classes : choice;
  return out;
}
