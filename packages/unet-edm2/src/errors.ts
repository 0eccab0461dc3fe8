/** Bad configuration or input given to this package: the CLI maps `kind: 'input'` to exit code 2. */
export class UnetInputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UnetInputError';
  }
}

/** A preset name that does not exist; `valid` lists the ones that do. */
export class UnknownPresetError extends UnetInputError {
  constructor(
    readonly preset: string,
    readonly valid: readonly string[],
  ) {
    super(`unknown preset '${preset}'; valid presets: ${valid.join(', ')}`);
    this.name = 'UnknownPresetError';
  }
}
