import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { largestFitting, memoryBudget, overBudget } from '../src/index';

const GiB = 2 ** 30;

function machine(meminfoKb: number, cgroup?: { v: 1 | 2; limit: string; usage: string }): { meminfoPath: string; cgroupRoot: string; procCgroupPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'flow-budget-'));
  const meminfoPath = join(dir, 'meminfo');
  writeFileSync(meminfoPath, `MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   ${meminfoKb} kB\n`);
  const cgroupRoot = join(dir, 'cgroup');
  mkdirSync(join(cgroupRoot, 'memory'), { recursive: true });
  const procCgroupPath = join(dir, 'self-cgroup');
  writeFileSync(procCgroupPath, '4:memory:/\n0::/\n');
  if (cgroup?.v === 2) {
    writeFileSync(join(cgroupRoot, 'memory.max'), `${cgroup.limit}\n`);
    writeFileSync(join(cgroupRoot, 'memory.current'), `${cgroup.usage}\n`);
  } else if (cgroup?.v === 1) {
    writeFileSync(join(cgroupRoot, 'memory', 'memory.limit_in_bytes'), `${cgroup.limit}\n`);
    writeFileSync(join(cgroupRoot, 'memory', 'memory.usage_in_bytes'), `${cgroup.usage}\n`);
  }
  return { meminfoPath, cgroupRoot, procCgroupPath };
}

describe('memoryBudget', () => {
  test('is 90% of MemAvailable when no cgroup limit is set', () => {
    const b = memoryBudget(machine(20 * 1024 * 1024));
    expect(b.bytes).toBe(Math.floor(20 * GiB * 0.9));
    expect(b.source).toBe('90% of 20.00 GiB available (MemAvailable)');
    expect(memoryBudget(machine(20 * 1024 * 1024, { v: 2, limit: 'max', usage: '5' })).bytes).toBe(Math.floor(20 * GiB * 0.9));
  });

  test('is bounded by the room left under a cgroup v2 or v1 limit', () => {
    const v2 = memoryBudget(machine(20 * 1024 * 1024, { v: 2, limit: String(4 * GiB), usage: String(1 * GiB) }));
    expect(v2.bytes).toBe(Math.floor(3 * GiB * 0.9));
    expect(v2.source).toBe('90% of 3.00 GiB left under the cgroup memory limit');
    const v1 = memoryBudget(machine(20 * 1024 * 1024, { v: 1, limit: String(2 * GiB), usage: '0' }));
    expect(v1.bytes).toBe(Math.floor(2 * GiB * 0.9));
    // cgroup v1 writes "unlimited" as a number near 2^63.
    expect(memoryBudget(machine(1024, { v: 1, limit: '9223372036854771712', usage: '0' })).bytes).toBe(Math.floor(1024 * 1024 * 0.9));
  });

  test("the process's own cgroup (from /proc/self/cgroup) and its parents count, the tightest wins", () => {
    const m = machine(20 * 1024 * 1024, { v: 1, limit: '9223372036854771712', usage: '0' });
    // v1 memory controller at /jobs/a (limit 6 GiB, 1 GiB used) under /jobs (limit 4 GiB, 2 GiB used).
    mkdirSync(join(m.cgroupRoot, 'memory', 'jobs', 'a'), { recursive: true });
    writeFileSync(join(m.cgroupRoot, 'memory', 'jobs', 'a', 'memory.limit_in_bytes'), String(6 * GiB));
    writeFileSync(join(m.cgroupRoot, 'memory', 'jobs', 'a', 'memory.usage_in_bytes'), String(1 * GiB));
    writeFileSync(join(m.cgroupRoot, 'memory', 'jobs', 'memory.limit_in_bytes'), String(4 * GiB));
    writeFileSync(join(m.cgroupRoot, 'memory', 'jobs', 'memory.usage_in_bytes'), String(2 * GiB));
    writeFileSync(m.procCgroupPath, '4:memory:/jobs/a\n0::/\n');
    expect(memoryBudget(m).bytes).toBe(Math.floor(2 * GiB * 0.9));
    // cgroup v2: 0::/svc with memory.max 1 GiB.
    mkdirSync(join(m.cgroupRoot, 'svc'));
    writeFileSync(join(m.cgroupRoot, 'svc', 'memory.max'), String(1 * GiB));
    writeFileSync(join(m.cgroupRoot, 'svc', 'memory.current'), '0');
    writeFileSync(m.procCgroupPath, '0::/svc\n');
    expect(memoryBudget(m).bytes).toBe(Math.floor(1 * GiB * 0.9));
  });

  test('memoryLimitBytes replaces what the machine reports; nonsense is refused', () => {
    expect(memoryBudget({ memoryLimitBytes: 123456, ...machine(1) })).toEqual({ bytes: 123456, source: 'memoryLimitBytes' });
    expect(() => memoryBudget({ memoryLimitBytes: -1 })).toThrow(/memoryLimitBytes must be a positive number/);
  });
});

describe('overBudget', () => {
  test('names the field, the need, the budget, the largest value that fits and the remedies', () => {
    const check = { label: 'thing', field: 'rows', bytes: (v: number) => 1000 * v, remedies: ['use mode fast'], memoryLimitBytes: 10_000 };
    expect(overBudget({ ...check, value: 10 })).toBeUndefined();
    expect(overBudget({ ...check, value: 11 })).toEqual({
      largest: 10,
      message: 'thing: rows = 11 needs 10.7 KiB, more than the memory budget of 9.8 KiB (memoryLimitBytes); the largest rows that fits is 10; lower rows, or use mode fast, or raise memoryLimitBytes',
    });
  });

  test('a single typed array holds at most 2^32 elements, whatever the budget', () => {
    const r = overBudget({ label: 'm', field: 'n', value: 70000, bytes: () => 0, elements: (v) => v * v, adjustable: false, memoryLimitBytes: 2 ** 50 });
    expect(r?.largest).toBe(65536);
    expect(r?.message).toBe('m: n = 70000 needs one array of 4900000000 elements, more than the 2^32 a typed array can hold; the largest n that fits is 65536; raise memoryLimitBytes');
  });

  test('largestFitting bisects any growing need', () => {
    expect(largestFitting((n) => n * n, 99, 1000)).toBe(9);
    expect(largestFitting((n) => n, 5, 3)).toBe(3);
    expect(largestFitting(() => 10, 5, 3)).toBe(0);
  });
});
