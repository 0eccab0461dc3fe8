/**
 * A backend name that is not one of BACKEND_NAMES (bad user input: the CLI exits with code 2). `field` is
 * `backend` when the name came from the caller's option (the message then starts with `backend`, where a CLI
 * puts its flag), absent when it came from env `FLOW_BACKEND`.
 */
export class BackendNameError extends Error {
  readonly kind = 'input' as const;
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'BackendNameError';
    if (field !== undefined) this.field = field;
  }
}

/**
 * The requested backend cannot run here (package not installed, no GPU adapter, init failed). A usage
 * problem on this machine, so `kind = 'input'` (the CLI exits with code 2 and prints the message).
 * The message is `backend <name>: <reason>`; `field` is `backend` (where a CLI puts its flag).
 */
export class BackendUnavailableError extends Error {
  readonly kind = 'input' as const;
  readonly field = 'backend';
  constructor(
    readonly backend: string,
    /** Why it cannot run, without the backend's name in front. */
    readonly reason: string,
  ) {
    super(`backend ${backend}: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}
