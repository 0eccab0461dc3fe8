import { checkOutputOptions } from './check-output-options';
import { commands } from './commands/index';
import { explainError } from './explain-error';
import { isFlowInputError } from '@flow/errors';
import { versionText } from './versions';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['usage: flow <command> [options]   (flow <command> --help for its options; flow --version)', '', 'commands:', ...lines, ''].join('\n');
}

/** Runs `flow <argv>` in this process and returns the exit code: 0 done, 2 bad usage or input, 1 anything else. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(versionText());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`flow: unknown command '${name}' (expected one of: ${commands.map((c) => c.name).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    checkOutputOptions(command, rest);
    return await command.run(rest);
  } catch (error) {
    const input = isFlowInputError(error);
    // Input errors name their field or file (`steps`, `x.npy`); explainError says the flag the user typed.
    process.stderr.write(`${input ? explainError(command, rest, error) : (error instanceof Error ? error.message : String(error)).split('\n')[0]}\n`);
    if (process.env.FLOW_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return input ? 2 : 1;
  }
}
