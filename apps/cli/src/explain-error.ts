import type { Command } from './command';
import { flagMessage } from './flag-message';
import { optionWithValue } from './option-value';

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The one line the CLI prints for an input error. Library messages name their own fields (memoryLimitBytes,
 * ms, solver 'greedy'); here each becomes the command's option. A message that starts with a file path the
 * user gave (the @flow/io errors do) is prefixed with the command and that option; one that starts with an
 * option the CLI passed in as a name, with the command.
 */
export function explainError(command: Command, argv: readonly string[], error: unknown): string {
  // A message that starts with the field it is about (`steps ...`) gets the flag there first (`--steps ...`).
  let message = flagMessage(error, error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  const fields = Object.entries(command.optionForField ?? {}).sort((a, b) => b[0].length - a[0].length);
  if (fields.length > 0) {
    const pattern = new RegExp(`(?<![\\w'-])(${fields.map(([f]) => escape(f)).join('|')})(?![\\w'])`, 'g');
    const map = new Map(fields);
    message = message.replace(pattern, (f) => map.get(f) ?? f);
  }
  // A library message that starts with a name the CLI gave it (`--data x.npy: ...`) gets the command in front.
  if (message.startsWith('--')) message = `flow ${command.name}: ${message}`;
  const file = (error as { file?: unknown } | null)?.file;
  if (typeof file === 'string' && message.startsWith(`${file}: `)) {
    const option = optionWithValue(argv, file);
    if (option !== undefined) message = `flow ${command.name}: --${option} ${message}`;
  }
  return message;
}
