import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray, writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { runCaptured } from './run-captured';

const dir = mkdtempSync(join(tmpdir(), 'flow-refuse-'));
const rng = new Rng(17);
const x = join(dir, 'x.npy');
const z = join(dir, 'z.npy');
writeNpy(x, ndarray('float32', [300, 2], rng.fillNormal(new Float32Array(600))));
writeNpy(z, ndarray('float32', [300, 2], rng.fillNormal(new Float32Array(600))));

describe('flow match refuses early and cleanly', () => {
  test('--out in a missing folder: exit 2, one line naming the option and the path, nothing written', async () => {
    const out = join(dir, 'no-such-dir', 'p.npy');
    const r = await runCaptured(['match', '--data', x, '--noise', z, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`flow match: --out ${out}: cannot be written: the folder ${join(dir, 'no-such-dir')} does not exist\n`);
  });

  test('--out naming a folder: exit 2, one line naming the option and the path', async () => {
    const out = join(dir, 'a-folder');
    mkdirSync(out);
    const r = await runCaptured(['match', '--data', x, '--noise', z, `--out=${out}`, '--solver', 'greedy']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`flow match: --out ${out}: is a folder; expected a file name\n`);
    expect(readdirSync(out)).toEqual([]);
  });

  test('a non-finite value names the option and the file it came from', async () => {
    const bad = join(dir, 'nan.npy');
    const v = new Float32Array(600);
    v[7] = NaN;
    writeNpy(bad, ndarray('float32', [300, 2], v));
    const r = await runCaptured(['match', '--data', bad, '--noise', z, '--out', join(dir, 'p.npy')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`flow match: --data ${bad}: row 3 holds a non-finite value (NaN) at column 1\n`);
  });

  test('exact matching just over --memory-limit is refused before allocating, with the largest n and real options', async () => {
    // 300 rows: 8 * 300^2 + 64 * 300 = 739,200 bytes of float64 cost matrix and duals; 299 rows need 734,344.
    const r = await runCaptured(['match', '--data', x, '--noise', z, '--out', join(dir, 'p.npy'), '--memory-limit', '735000']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "exact matching at d = 2: n = 300 needs 721.9 KiB, more than the memory budget of 717.8 KiB (--memory-limit); the largest n that fits is 299; use --solver greedy (no n x n matrix), or use --precision float32 (half the memory), or raise --memory-limit\n",
    );
    const ok = await runCaptured(['match', '--data', x, '--noise', z, '--out', join(dir, 'p.npy'), '--memory-limit', '740000', '--json']);
    expect(ok.code).toBe(0);
  });

  test('greedy matching just over --memory-limit is refused with the largest n', async () => {
    const r = await runCaptured(['match', '--data', x, '--noise', z, '--out', join(dir, 'p.npy'), '--solver', 'greedy', '--memory-limit', '10000']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^greedy matching at d = 2: n = 300 needs .*; the largest n that fits is \d+; raise --memory-limit\n$/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('greedy matching needs no n x n matrix: 20,000 rows match within --memory-limit 2M', async () => {
    const r2 = new Rng(5);
    const bx = join(dir, 'bx.npy');
    const bz = join(dir, 'bz.npy');
    writeNpy(bx, ndarray('float32', [20000, 2], r2.fillNormal(new Float32Array(40000))));
    writeNpy(bz, ndarray('float32', [20000, 2], r2.fillNormal(new Float32Array(40000))));
    const r = await runCaptured(['match', '--data', bx, '--noise', bz, '--out', join(dir, 'bp.npy'), '--solver', 'greedy', '--memory-limit', '2M', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { n: number; cost_backend: string; total_cost: number; identity_cost: number };
    expect(j).toMatchObject({ n: 20000, cost_backend: 'stream' });
    expect(j.total_cost).toBeLessThan(j.identity_cost / 50);
  });

  test('--memory-limit that is not a size is bad usage', async () => {
    const r = await runCaptured(['match', '--data', x, '--noise', z, '--out', join(dir, 'p.npy'), '--memory-limit', 'lots']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("flow match: --memory-limit expects a size such as 8G, 512M or 2e9 (bytes), got 'lots'\n");
  });
});

describe('every command with an output file checks it before working', () => {
  test('flow fid --save-stats into a missing folder', async () => {
    const out = join(dir, 'missing', 's.npz');
    writeFileSync(join(dir, 'f.npy'), '');
    const r = await runCaptured(['fid', '--save-stats', out, join(dir, 'f.npy')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`flow fid: --save-stats ${out}: cannot be written: the folder ${join(dir, 'missing')} does not exist\n`);
  });
});

describe('--threads', () => {
  test('a thread count that is not a positive integer is bad usage, refused before the run folder is made', async () => {
    const out = join(dir, 'threads-run');
    const r = await runCaptured(['train', '--dataset', 'two-mode-2d', '--model', 'mlp', '--steps', '2', '--out', out, '--backend', 'wasm', '--threads', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('flow train: --threads must be >= 1, got 0\n');
    expect(readdirSync(dir)).not.toContain('threads-run');
  });

  test('flow train --threads 1 runs the wasm engine on one thread and says so', async () => {
    const out = join(dir, 'threads-one');
    const r = await runCaptured(['train', '--dataset', 'two-mode-2d', '--model', 'mlp', '--steps', '2', '--batch', '8', '--out', out, '--backend', 'wasm', '--threads', '1', '--quiet', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/flow train: backend wasm \(.*1 thread on tfjs's heap, shared\)/);
    expect((JSON.parse(r.out) as { backend: string }).backend).toBe('wasm');
  });
});
