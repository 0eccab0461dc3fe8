import { FlowInputError } from '@flow/errors';

/**
 * A backend name that is not one of BACKEND_NAMES. `field` is `backend` when the name came from the caller's
 * option (the message then starts with `backend`, where a CLI puts its flag), absent when it came from env
 * `FLOW_BACKEND`.
 */
export class BackendNameError extends FlowInputError {
  override readonly code = 'BACKEND_NAME';
  constructor(message: string, field?: string) {
    super(message, field !== undefined ? { field } : undefined);
  }
}

/**
 * The requested backend cannot run here (package not installed, no GPU adapter, init failed): a usage
 * problem on this machine, so an input error (the CLI exits with code 2 and prints the message).
 * The message is `backend <name>: <reason>`; `field` is `backend` (where a CLI puts its flag).
 */
export class BackendUnavailableError extends FlowInputError {
  override readonly code = 'BACKEND_UNAVAILABLE';
  constructor(
    readonly backend: string,
    /** Why it cannot run, without the backend's name in front. */
    readonly reason: string,
  ) {
    super(`backend ${backend}: ${reason}`, { field: 'backend' });
  }
}

/** A thread count that is not a positive integer (`field` is `threads` for the option, absent for env `FLOW_THREADS`). */
export class BackendThreadsError extends FlowInputError {
  override readonly code = 'BACKEND_THREADS';
  constructor(message: string, field?: string) {
    super(message, field !== undefined ? { field } : undefined);
  }
}
