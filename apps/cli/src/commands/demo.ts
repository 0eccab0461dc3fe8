import type { Command } from '../command';

export const demoCommand: Command = {
  name: 'demo',
  summary: '(not implemented yet)',
  usage: 'flow demo: not implemented yet',
  async run() {
    process.stderr.write('flow demo: not implemented yet\n');
    return 1;
  },
};
