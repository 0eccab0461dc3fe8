import type { Command } from '../command';

export const bespokeCommand: Command = {
  name: 'bespoke',
  summary: '(not implemented yet)',
  usage: 'flow bespoke: not implemented yet',
  async run() {
    process.stderr.write('flow bespoke: not implemented yet\n');
    return 1;
  },
};
