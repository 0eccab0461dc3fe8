import { ProgressBar, formatDuration } from '../src/index';

describe('formatDuration', () => {
  it('writes seconds, minutes and hours compactly', () => {
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(7500)).toBe('2h05m');
    expect(formatDuration(NaN)).toBe('--');
  });
});

describe('ProgressBar', () => {
  it('writes plain lines (no carriage returns) to a stream that is not a TTY', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar(10, 0, 'fit', stream);
    bar.update(10, 0.12345);
    bar.finish(10, 0.12345);
    expect(lines.length).toBe(1); // finish does not repeat a step already drawn
    expect(lines[0]).toMatch(/^fit \[#{24}\] 10\/10 loss 0\.1235 .* steps\/s ETA \S+\n$/);
  });
});
