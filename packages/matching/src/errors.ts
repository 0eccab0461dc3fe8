import { FlowInputError } from '@flow/errors';

/** Bad input to @flow/matching (shape, non-finite values, sizes). */
export class MatchingInputError extends FlowInputError {
  override readonly code: string = 'MATCHING_INPUT';
}

/** The requested scope does not fit in memory; the message says how large a scope can be. */
export class ScopeTooLargeError extends MatchingInputError {
  override readonly code = 'SCOPE_TOO_LARGE';
  constructor(
    message: string,
    readonly maxScope: number,
  ) {
    super(message);
  }
}
