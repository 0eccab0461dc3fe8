/** Bad input to the cost-matrix functions (shape, values, size); `kind` lets a CLI exit with code 2. */
export class CostInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CostInputError';
  }
}
