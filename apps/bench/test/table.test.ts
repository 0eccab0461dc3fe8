import { describeMachine, machineInfo } from '../src/machine';
import { markdownTable } from '../src/table';

describe('bench output helpers', () => {
  it('formats Markdown tables with aligned columns and compact numbers', () => {
    const t = markdownTable(['suite', 'ours s', 'ratio'], [
      ['matching', 1.23456, 0.5],
      ['fid', 0.00001234, null],
      ['ema', 2500000, 12], // integers print in full
    ]);
    expect(t.split('\n')).toEqual([
      '| suite    | ours s   | ratio  |',
      '|----------|----------|--------|',
      '| matching | 1.235    | 0.5000 |',
      '| fid      | 1.234e-5 | -      |',
      '| ema      | 2500000  | 12     |',
    ]);
  });

  it('describes the machine it runs on', () => {
    const m = machineInfo();
    expect(m.cores).toBeGreaterThan(0);
    expect(describeMachine(m)).toMatch(/^machine: .+, \d+ cores, [\d.]+ GiB, .+, Node v\d+/);
  });
});
