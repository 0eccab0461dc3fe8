import { FlowInputError } from '@flow/errors';

/** Base of every bad-input error of this package: the message starts with the file it is about. */
export class ArrayFileError extends FlowInputError {
  override readonly code: string = 'ARRAY_FILE';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export class NpyFormatError extends ArrayFileError {
  override readonly code = 'NPY_FORMAT';
}
export class NpzFormatError extends ArrayFileError {
  override readonly code = 'NPZ_FORMAT';
}
export class SafetensorsFormatError extends ArrayFileError {
  override readonly code = 'SAFETENSORS_FORMAT';
}
/** An output path that cannot become a file (missing folder, or a folder itself). */
export class OutputPathError extends ArrayFileError {
  override readonly code = 'OUTPUT_PATH';
}
/** A PyTorch checkpoint that is damaged, or asks for something a state dict never needs (it is refused, never run). */
export class TorchCheckpointError extends ArrayFileError {
  override readonly code = 'TORCH_CHECKPOINT';
}
