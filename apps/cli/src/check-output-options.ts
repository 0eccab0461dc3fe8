import { checkOutputPath } from '@flow/io';
import type { Command } from './command';
import { optionValue } from './option-value';

/** Refuses, before the command does any work, an output file option whose folder is missing or that names a folder. */
export function checkOutputOptions(command: Command, argv: readonly string[]): void {
  for (const name of command.outputFiles ?? []) {
    const value = optionValue(argv, name);
    if (value !== undefined && value !== '') checkOutputPath(value);
  }
}
