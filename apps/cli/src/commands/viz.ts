import type { Command } from '../command';

export const vizCommand: Command = {
  name: 'viz',
  summary: '(not implemented yet)',
  usage: 'flow viz: not implemented yet',
  async run() {
    process.stderr.write('flow viz: not implemented yet\n');
    return 1;
  },
};
