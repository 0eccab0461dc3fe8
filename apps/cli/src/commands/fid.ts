import type { Command } from '../command';

export const fidCommand: Command = {
  name: 'fid',
  summary: '(not implemented yet)',
  usage: 'flow fid: not implemented yet',
  async run() {
    process.stderr.write('flow fid: not implemented yet\n');
    return 1;
  },
};
