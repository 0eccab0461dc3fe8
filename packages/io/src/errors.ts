/** Base of every bad-input error of this package: `kind` lets a CLI exit with the usage code. */
export class ArrayFileError extends Error {
  readonly kind = 'input' as const;
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = new.target.name;
  }
}

export class NpyFormatError extends ArrayFileError {}
export class NpzFormatError extends ArrayFileError {}
export class SafetensorsFormatError extends ArrayFileError {}
/** An output path that cannot become a file (missing folder, or a folder itself). */
export class OutputPathError extends ArrayFileError {}
