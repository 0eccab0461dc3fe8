import { FlowInputError } from '@flow/errors';

/** Bad arguments to a native kernel (wrong array type or size, bad thread count); `field` names the argument. */
export class NativeInputError extends FlowInputError {
  override readonly code = 'NATIVE_INPUT';
  constructor(message: string, field: string) {
    super(message, { field });
  }
}
