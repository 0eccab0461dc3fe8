import { FlowInputError } from '@flow/errors';

/** Bad usage or bad input: the CLI prints the message on one line and exits with code 2. */
export class UsageError extends FlowInputError {
  override readonly code = 'USAGE';
}
