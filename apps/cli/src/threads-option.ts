import { numberOption } from './parse-options';

/** Help text for --threads, shared by the commands that have it. */
export const THREADS_HELP = `--threads N        threads of the native and wasm engines (default: env FLOW_THREADS, else every core;
                     keep it fixed for bit-for-bit resumes); other backends ignore it`;

/** Parses `--threads` into initBackend's option (empty when not given, so FLOW_THREADS applies). */
export function threadsOption(command: string, value: string | undefined): { threads?: number } {
  const threads = numberOption(command, 'threads', value, { integer: true, min: 1 });
  return threads === undefined ? {} : { threads };
}
