/** A backend name that is not one of BACKEND_NAMES (bad user input: the CLI exits with code 2). */
export class BackendNameError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'BackendNameError';
  }
}

/**
 * The requested backend cannot run here (package not installed, no GPU adapter, init failed). A usage
 * problem on this machine, so `kind = 'input'` (the CLI exits with code 2 and prints the message).
 */
export class BackendUnavailableError extends Error {
  readonly kind = 'input' as const;
  constructor(
    readonly backend: string,
    message: string,
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}
