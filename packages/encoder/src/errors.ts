import { FlowInputError } from '@flow/errors';

/** Bad encoder configuration or input shapes. */
export class EncoderInputError extends FlowInputError {
  override readonly code = 'ENCODER_INPUT';
}
