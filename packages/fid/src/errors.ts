import { FlowInputError } from '@flow/errors';

/** Bad input to @flow/fid (shapes, non-finite values, unreadable files). */
export class FidInputError extends FlowInputError {
  override readonly code = 'FID_INPUT';
}
