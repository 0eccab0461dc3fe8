/**
 * Libraries name the option an error is about by its field (`error.field`, e.g. `steps`, `lrRefSteps`,
 * `couplingOptions.beta`, `backend`) at the start of the message; the CLI says its flag there instead
 * (`--steps`, `--lr-ref-steps`, `--beta`, `--backend`). Messages without a field pass unchanged.
 */
export function flagMessage(error: unknown, message: string): string {
  const field = typeof error === 'object' && error !== null ? (error as { field?: unknown }).field : undefined;
  if (typeof field !== 'string' || field === '' || !message.startsWith(field)) return message;
  const name = field.slice(field.lastIndexOf('.') + 1);
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}${message.slice(field.length)}`;
}
