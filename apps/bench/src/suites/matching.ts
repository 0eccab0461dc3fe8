import type { Suite } from '../suite';

export const matchingSuite: Suite = {
  name: 'matching',
  summary: '(not implemented yet)',
  async run() {
    process.stderr.write('flow-bench matching: not implemented yet\n');
    return 1;
  },
};
