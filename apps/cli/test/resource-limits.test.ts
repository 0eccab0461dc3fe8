import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray, writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { runCaptured } from './run-captured';

// Each heavy command, given an input just over --memory-limit, exits 2 before allocating the large arrays,
// with one line naming the size, the largest that fits and the options that change it. The byte counts
// follow each package's documented formula (see the READMEs); one below the limit runs.
describe('resource limits of the heavy commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = join(dir, 'run');

  beforeAll(async () => {
    const r = await runCaptured(['train', '--dataset', 'two-mode-2d', '--model', 'mlp', '--hidden', '8', '--layers', '1', '--steps', '2', '--out', run, '--backend', 'cpu', '--quiet']);
    expect(r.code).toBe(0);
  });

  test('flow match: exact matching (see refuse-early.test.ts) and the greedy solver', async () => {
    const rng = new Rng(2);
    const x = join(dir, 'x.npy');
    writeNpy(x, ndarray('float32', [100, 2], rng.fillNormal(new Float32Array(200))));
    const r = await runCaptured(['match', '--data', x, '--noise', x, '--out', join(dir, 'p.npy'), '--solver', 'greedy', '--memory-limit', '4000']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^greedy matching at d = 2: n = 100 needs .*\(--memory-limit\); the largest n that fits is \d+; raise --memory-limit\n$/);
    expect(existsSync(join(dir, 'p.npy'))).toBe(false);
  });

  test('flow train --coupling ot: the scope just over the budget', async () => {
    // 4 ms^2 + 12 ms d + 64 ms bytes at d = 2: ms = 600 needs 1,492,800, ms = 599 needs 1,487,916.
    const r = await runCaptured(['train', '--dataset', 'two-mode-2d', '--model', 'mlp', '--coupling', 'ot', '--ms', '600', '--steps', '1', '--out', join(dir, 'ot'), '--backend', 'cpu', '--quiet', '--memory-limit', '1490000']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean).pop()).toBe(
      'coupling ot: --ms = 600 needs 1.4 MiB, more than the memory budget of 1.4 MiB (--memory-limit); the largest --ms that fits is 599; lower --ms, or use --coupling dansm (a pool of --ms noises: --batch x --ms distances), or raise --memory-limit',
    );
  });

  test('flow train --coupling dansm: the pool and one batch of distances', async () => {
    const r = await runCaptured(['train', '--dataset', 'two-mode-2d', '--model', 'mlp', '--coupling', 'dansm', '--ms', '100000000', '--steps', '1', '--out', join(dir, 'dansm'), '--backend', 'cpu', '--quiet', '--memory-limit', '8G']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean).pop()).toMatch(
      /^coupling dansm: --ms = 100000000 needs 191\.57 GiB, more than the memory budget of 8\.00 GiB \(--memory-limit\); the largest --ms that fits is 4175952; lower --ms, or lower --batch, or raise --memory-limit$/,
    );
  });

  test('flow sample: the samples and one batch in flight', async () => {
    // 4 d (count + 12 min(batch, count)) bytes at d = 2, batch = count: 104 bytes a sample.
    const out = join(dir, 's.npy');
    const base = ['sample', '--model', run, '--solver', 'euler', '--nfe', '2', '--count', '1000', '--out', out, '--backend', 'cpu'];
    const r = await runCaptured([...base, '--memory-limit', '103950']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean).pop()).toBe(
      'sampling: --count = 1000 needs 101.6 KiB, more than the memory budget of 101.5 KiB (--memory-limit); the largest --count that fits is 999; lower --count, or lower --batch, or raise --memory-limit',
    );
    expect(existsSync(out)).toBe(false);
    expect((await runCaptured([...base, '--memory-limit', '104000'])).code).toBe(0);
  });

  test('flow fid: the d x d matrices of the Frechet distance', async () => {
    // 64 d^2 + 4096 d bytes: d = 64 needs 524,288, d = 63 needs 512,064.
    const rng = new Rng(4);
    const a = join(dir, 'fa.npy');
    const b = join(dir, 'fb.npy');
    writeNpy(a, ndarray('float32', [10, 64], rng.fillNormal(new Float32Array(640))));
    writeNpy(b, ndarray('float32', [10, 64], rng.fillNormal(new Float32Array(640))));
    const r = await runCaptured(['fid', a, b, '--memory-limit', '520000']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('Frechet distance: dim = 64 needs 512.0 KiB, more than the memory budget of 507.8 KiB (--memory-limit); the largest dim that fits is 63; raise --memory-limit\n');
    expect((await runCaptured(['fid', a, b, '--memory-limit', '524288'])).code).toBe(0);
  });
});
