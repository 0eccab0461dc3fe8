import { FlowInputError } from '@flow/errors';

/** A backend name that is not one of BACKEND_NAMES. */
export class BackendNameError extends FlowInputError {
  override readonly code = 'BACKEND_NAME';
}

/**
 * The requested backend cannot run here (package not installed, no GPU adapter, init failed): a usage
 * problem on this machine, so an input error (the CLI exits with code 2 and prints the message).
 */
export class BackendUnavailableError extends FlowInputError {
  override readonly code = 'BACKEND_UNAVAILABLE';
  constructor(
    readonly backend: string,
    message: string,
  ) {
    super(message);
  }
}
