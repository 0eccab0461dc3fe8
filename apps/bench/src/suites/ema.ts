import type { Suite } from '../suite';

export const emaSuite: Suite = {
  name: 'ema',
  summary: '(not implemented yet)',
  async run() {
    process.stderr.write('flow-bench ema: not implemented yet\n');
    return 1;
  },
};
