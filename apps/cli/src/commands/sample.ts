import type { Command } from '../command';

export const sampleCommand: Command = {
  name: 'sample',
  summary: '(not implemented yet)',
  usage: 'flow sample: not implemented yet',
  async run() {
    process.stderr.write('flow sample: not implemented yet\n');
    return 1;
  },
};
