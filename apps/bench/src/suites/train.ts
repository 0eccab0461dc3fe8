import type { Suite } from '../suite';

export const trainSuite: Suite = {
  name: 'train',
  summary: '(not implemented yet)',
  async run() {
    process.stderr.write('flow-bench train: not implemented yet\n');
    return 1;
  },
};
