/** Bad usage or bad input: the CLI prints the message on one line and exits with code 2. */
export class UsageError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Errors from the packages mark bad input with `kind: 'input'`; those exit 2, everything else 1. */
export function isInputError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === 'input';
}
