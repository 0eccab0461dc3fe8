import type { Suite } from '../suite';

export const solversSuite: Suite = {
  name: 'solvers',
  summary: '(not implemented yet)',
  async run() {
    process.stderr.write('flow-bench solvers: not implemented yet\n');
    return 1;
  },
};
