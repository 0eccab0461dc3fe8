export { FlowInputError, FLOW_INPUT_ERROR } from './flow-input-error';
export { isFlowInputError } from './is-flow-input-error';
