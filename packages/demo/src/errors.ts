import { FlowInputError } from '@flow/errors';

/** Bad input to the demo or its pictures (a data file of the wrong shape). The CLI exits 2 on these. */
export class DemoInputError extends FlowInputError {
  override readonly code = 'DEMO_INPUT';
}
