/** Bad input to @flow/ema (a sigma_rel out of range, a broken snapshot directory, ...). The CLI exits 2 on these. */
export class EmaInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'EmaInputError';
  }
}
