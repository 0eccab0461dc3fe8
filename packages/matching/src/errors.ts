/** Bad input to @flow/matching (shape, non-finite values, sizes). The CLI maps `kind: 'input'` to exit code 2. */
export class MatchingInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'MatchingInputError';
  }
}

/** The requested scope does not fit in memory; the message says how large a scope can be. */
export class ScopeTooLargeError extends MatchingInputError {
  readonly maxScope: number;
  constructor(message: string, maxScope: number) {
    super(message);
    this.name = 'ScopeTooLargeError';
    this.maxScope = maxScope;
  }
}
