/** Bad input to @flow/fid (shapes, non-finite values, unreadable files). The CLI maps it to exit code 2. */
export class FidInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'FidInputError';
  }
}
