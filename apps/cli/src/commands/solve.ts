import type { Command } from '../command';

export const solveCommand: Command = {
  name: 'solve',
  summary: '(not implemented yet)',
  usage: 'flow solve: not implemented yet',
  async run() {
    process.stderr.write('flow solve: not implemented yet\n');
    return 1;
  },
};
