/** Bad encoder configuration or input shapes (`kind: 'input'`, so the CLI exits with the usage code). */
export class EncoderInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'EncoderInputError';
  }
}
