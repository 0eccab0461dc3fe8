import { formatSpread, spread, stepsToTarget } from '../src/papers/summary-stats';

describe('papers summary statistics', () => {
  it('spread of seeds: sample std, min, max', () => {
    const s = spread([1, 2, 3, 6]);
    expect(s.mean).toBe(3);
    expect(s.std).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect([s.min, s.max, s.n]).toEqual([1, 6, 4]);
    expect(spread([5]).std).toBe(0);
    expect(Number.isNaN(spread([]).mean)).toBe(true);
    expect(formatSpread(spread([1, 3]))).toBe('2.00 ± 1.41 (1.00-3.00)');
  });

  it('steps to a target FID interpolate between measured steps', () => {
    const steps = [100, 200, 300];
    expect(stepsToTarget(steps, [50, 30, 20], 40)).toBe(150);
    expect(stepsToTarget(steps, [50, 30, 20], 20)).toBe(300);
    expect(stepsToTarget(steps, [50, 30, 20], 60)).toBe(100);
    expect(stepsToTarget(steps, [50, 30, 20], 10)).toBeNull();
    // a curve that goes up again still answers its first crossing
    expect(stepsToTarget(steps, [50, 20, 40], 30)).toBeCloseTo(100 + 100 * (20 / 30), 12);
  });
});
