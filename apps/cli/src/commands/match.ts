import type { Command } from '../command';

export const matchCommand: Command = {
  name: 'match',
  summary: '(not implemented yet)',
  usage: 'flow match: not implemented yet',
  async run() {
    process.stderr.write('flow match: not implemented yet\n');
    return 1;
  },
};
