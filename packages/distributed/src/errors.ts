import { FlowInputError } from '@flow/errors';

/** Bad input to @flow/distributed (an evaluation spec, a path outside a worker's roots, a Redis URL). */
export class DistributedInputError extends FlowInputError {
  override readonly code = 'DISTRIBUTED_INPUT';
}
