import { commands } from './commands/index';
import { flagMessage } from './flag-message';
import { isInputError } from './usage-error';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['usage: flow <command> [options]   (flow <command> --help for its options)', '', 'commands:', ...lines, ''].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
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
    return await command.run(rest);
  } catch (error) {
    const message = flagMessage(error, error instanceof Error ? error.message : String(error));
    process.stderr.write(`${message.split('\n')[0]}\n`);
    if (process.env.FLOW_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return isInputError(error) ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`flow: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
