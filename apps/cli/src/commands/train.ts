import type { Command } from '../command';

export const trainCommand: Command = {
  name: 'train',
  summary: '(not implemented yet)',
  usage: 'flow train: not implemented yet',
  async run() {
    process.stderr.write('flow train: not implemented yet\n');
    return 1;
  },
};
