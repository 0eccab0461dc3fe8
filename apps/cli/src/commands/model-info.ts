import type { Command } from '../command';

export const modelInfoCommand: Command = {
  name: 'model-info',
  summary: '(not implemented yet)',
  usage: 'flow model-info: not implemented yet',
  async run() {
    process.stderr.write('flow model-info: not implemented yet\n');
    return 1;
  },
};
