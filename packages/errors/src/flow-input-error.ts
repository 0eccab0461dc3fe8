/** Marks instances so `isFlowInputError` also recognises ones made by a second copy of this package (ESM + CJS). */
export const FLOW_INPUT_ERROR = Symbol.for('@flow/errors/input');

/**
 * Bad input: a file, a field or an option that is not what the library expects. The message names the file or
 * field and what was expected. Every `@flow/*` package throws this class or a thin subclass of it, so callers
 * catch one class; `kind` and `code` stay the same across releases (a CLI exits with code 2 on these).
 */
export class FlowInputError extends Error {
  readonly kind = 'input' as const;
  /** Machine-readable reason; subclasses override it with their own constant (e.g. `'NPY_FORMAT'`). */
  readonly code: string = 'INPUT';
  readonly [FLOW_INPUT_ERROR] = true;
  /**
   * When the error is about one option, its name in the library's API (`steps`, `couplingOptions.beta`,
   * `backend`); the message then starts with that name, so a caller can put its own name there (a CLI flag).
   */
  readonly field?: string;

  constructor(message: string, options?: { cause?: unknown; field?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    // Subclasses inherit this, so `name` is their own class name without each one repeating it.
    this.name = new.target.name;
    if (options?.field !== undefined) this.field = options.field;
  }
}
