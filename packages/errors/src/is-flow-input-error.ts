import { FLOW_INPUT_ERROR, FlowInputError } from './flow-input-error';

/**
 * True for a `FlowInputError` (any subclass), also one thrown by another copy of this package, where
 * `instanceof` would say no (an ESM and a CJS build loaded side by side, a bundled CLI).
 */
export function isFlowInputError(error: unknown): error is FlowInputError {
  if (error instanceof FlowInputError) return true;
  return typeof error === 'object' && error !== null && (error as { [FLOW_INPUT_ERROR]?: unknown })[FLOW_INPUT_ERROR] === true;
}
