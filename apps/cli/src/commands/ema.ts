import type { Command } from '../command';

export const emaCommand: Command = {
  name: 'ema',
  summary: '(not implemented yet)',
  usage: 'flow ema: not implemented yet',
  async run() {
    process.stderr.write('flow ema: not implemented yet\n');
    return 1;
  },
};
