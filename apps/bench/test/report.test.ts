import { loadWarning } from '../src/report';

describe('loadWarning', () => {
  it('is empty on a quiet machine and names the loads on a busy one', () => {
    expect(loadWarning(1.2, 1.9, 2)).toBe('');
    expect(loadWarning(1.0, 7.5, 2)).toMatch(/^\*\*Loaded machine\*\*: load average 1\.0 at start, 7\.5 at end on 2 cores/);
  });
});
