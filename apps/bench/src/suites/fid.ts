import type { Suite } from '../suite';

export const fidSuite: Suite = {
  name: 'fid',
  summary: '(not implemented yet)',
  async run() {
    process.stderr.write('flow-bench fid: not implemented yet\n');
    return 1;
  },
};
