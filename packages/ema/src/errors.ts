import { FlowInputError } from '@flow/errors';

/** Bad input to @flow/ema (a sigma_rel out of range, a broken snapshot directory, ...). */
export class EmaInputError extends FlowInputError {
  override readonly code = 'EMA_INPUT';
}
