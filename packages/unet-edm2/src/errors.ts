import { FlowInputError } from '@flow/errors';

/** Bad configuration or input given to this package. */
export class UnetInputError extends FlowInputError {
  override readonly code: string = 'UNET_INPUT';
}

/** A preset name that does not exist; `valid` lists the ones that do. */
export class UnknownPresetError extends UnetInputError {
  override readonly code = 'UNKNOWN_PRESET';
  constructor(
    readonly preset: string,
    readonly valid: readonly string[],
  ) {
    super(`unknown preset '${preset}'; valid presets: ${valid.join(', ')}`);
  }
}
