import { versions } from './versions';

/** `--json` contract: exactly one JSON object on stdout. */
export function printJson(value: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Human-readable lines go to stderr so stdout stays machine-readable. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** `--json` of a long job (train, sample, fid, bespoke, eval, demo): its result plus the `versions` that made it. */
export function printJobJson(value: Record<string, unknown>): void {
  printJson({ ...value, versions });
}
