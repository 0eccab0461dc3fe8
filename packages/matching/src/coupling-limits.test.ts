import { Rng } from '@flow/random';
import { createCoupling, type DataSampler } from './coupling';
import { ScopeTooLargeError } from './errors';

const sampler = (dim: number, size?: number): DataSampler => ({ dim, ...(size !== undefined ? { size } : {}), draw: (count) => new Float32Array(count * dim) });
const MiB = 2 ** 20;

describe('coupling memory budget', () => {
  test('ot: a scope just over the budget is refused at creation with the largest ms that fits', () => {
    // 4 ms^2 + 12 ms d + 64 ms bytes: ms = 512 at d = 2 needs 1,093,632 bytes.
    const make = (ms: number) => createCoupling('ot', { sampler: sampler(2), rng: new Rng(0), ms, memoryLimitBytes: 1 * MiB });
    expect(() => make(500)).not.toThrow();
    let error: unknown;
    try {
      make(512);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScopeTooLargeError);
    expect((error as ScopeTooLargeError).maxScope).toBe(501);
    expect((error as Error).message).toBe(
      "coupling ot: ms = 512 needs 1.0 MiB, more than the memory budget of 1.0 MiB (memoryLimitBytes); the largest ms that fits is 501; lower ms, or use coupling 'dansm' (a pool of ms noises: batch x ms distances), or raise memoryLimitBytes",
    );
  });

  test('dansm: the pool and one batch x ms distance block are counted, and the advice is ms, batch or the budget', () => {
    const make = (ms: number) => createCoupling('dansm', { sampler: sampler(2), rng: new Rng(0), ms, batch: 256, memoryLimitBytes: 64 * MiB });
    expect(() => make(32000)).not.toThrow();
    expect(() => make(1e8)).toThrow(
      /^coupling dansm: ms = 100000000 needs .* GiB, more than the memory budget of 64\.0 MiB \(memoryLimitBytes\); the largest ms that fits is 32624; lower ms, or lower batch, or raise memoryLimitBytes$/,
    );
  });

  test('with no limit given, the budget comes from the machine and the message says so', () => {
    expect(() => createCoupling('ot', { sampler: sampler(2), rng: new Rng(0), ms: 10_000_000 })).toThrow(/more than the memory budget of .* (available|cgroup)/);
  });
});
