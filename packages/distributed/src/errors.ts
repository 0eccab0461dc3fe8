/** Bad input to @flow/distributed (an evaluation spec, a path outside a worker's roots, a Redis URL). */
export class DistributedInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'DistributedInputError';
  }
}
