/** Bad input to the demo or its pictures (a data file of the wrong shape). The CLI exits 2 on these. */
export class DemoInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'DemoInputError';
  }
}
