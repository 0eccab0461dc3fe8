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
/** A PyTorch checkpoint that is damaged, or asks for something a state dict never needs (it is refused, never run). */
export class TorchCheckpointError extends ArrayFileError {}
