import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '@flow/io';
import { listSnapshots, PowerEmaTracker, reconstructEma } from '../src/index';

// Weights that follow a known smooth trajectory: an offset, a decaying transient and a slow oscillation,
// different for every parameter.
const shapes = { w: [4, 8], b: [32] };
function weightsAt(step: number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  let j = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((p, d) => p * d, 1);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, j++) {
      a[i] = Math.sin(1.3 * j + 0.2) + Math.cos(0.7 * j) * Math.exp(-step / 300) + 0.3 * Math.sin(step / 200 + 0.9 * j);
    }
    out[name] = a;
  }
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-ema-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Arrays = Record<string, Float32Array | Float64Array>;
function maxRelError(got: Arrays, want: Arrays): number {
  let err = 0;
  let scale = 0;
  for (const n of Object.keys(want)) {
    const g = got[n]!;
    const w = want[n]!;
    for (let i = 0; i < w.length; i++) {
      err = Math.max(err, Math.abs(g[i]! - w[i]!));
      scale = Math.max(scale, Math.abs(w[i]!));
    }
  }
  return err / scale;
}

// float64 EMAs: the only float32 rounding is the one of the snapshot files, so the reconstruction must agree to a
// few float32 ulps. float32 EMAs (EDM2's choice) carry their own per-update rounding on both sides.
describe.each([
  { precision: 'float64' as const, tol: 2e-7 },
  { precision: 'float32' as const, tol: 2e-6 },
])('post-hoc reconstruction of a synthetic run, $precision EMAs', ({ precision, tol }) => {
  const steps = 1000;
  const every = 10;
  const targets = [0.06, 0.08, 0.13];
  let direct600: Arrays;
  let snaps: string;
  let direct: PowerEmaTracker;

  beforeAll(() => {
    snaps = join(dir, `snapshots-${precision}`);
    const tracker = new PowerEmaTracker({ sigmaRels: [0.05, 0.1], snapshotEvery: every, dir: snaps, shapes, precision });
    direct = new PowerEmaTracker({ sigmaRels: [...targets, 0.1], precision });
    for (let t = 1; t <= steps; t++) {
      const w = weightsAt(t);
      tracker.update(w);
      direct.update(w);
      if (t === 600) direct600 = Object.fromEntries(Object.entries(direct.ema(0.1)).map(([n, a]) => [n, a.slice()]));
    }
  });

  test('snapshot files follow the documented layout', () => {
    const files = readdirSync(snaps).sort();
    expect(files).toHaveLength((2 * steps) / every);
    expect(files[0]).toBe('ema-0.050-000000010.safetensors');
    expect(files[files.length - 1]).toBe('ema-0.100-000001000.safetensors');
    const { metadata, tensors } = readSafetensors(join(snaps, files[0]!));
    expect(metadata).toMatchObject({ format: 'flow-ema-snapshot', sigma_rel: '0.05', step: '10' });
    expect(Number(metadata.gamma)).toBeCloseTo(16.972198602303447, 12);
    expect(tensors.w!.shape).toEqual([4, 8]);
    const list = listSnapshots(snaps);
    expect(list.map((s) => s.step).slice(0, 4)).toEqual([10, 10, 20, 20]);
    expect(list.map((s) => s.sigmaRel).slice(0, 4)).toEqual([0.05, 0.1, 0.05, 0.1]);
  });

  test.each(targets)('sigma_rel %p from snapshots equals the directly tracked EMA to float32 accuracy', (sigmaRel) => {
    const out = join(dir, `rec-${precision}-${sigmaRel}.safetensors`);
    const r = reconstructEma({ snapshots: snaps, sigmaRel, out });
    expect(r.used).toBe(200);
    expect(r.parameters).toBe(64);
    const { tensors, metadata } = readSafetensors(out);
    expect(metadata.step).toBe('1000');
    expect(tensors.w!.shape).toEqual([4, 8]);
    const got = Object.fromEntries(Object.entries(tensors).map(([n, a]) => [n, a.data as Float32Array]));
    expect(maxRelError(got, direct.ema(sigmaRel))).toBeLessThan(tol);
  });

  test('an earlier stopping step uses only the snapshots up to it', () => {
    const out = join(dir, `rec-${precision}-600.safetensors`);
    const r = reconstructEma({ snapshots: snaps, sigmaRel: 0.1, step: 600, out });
    expect(r.used).toBe(120);
    expect(r.coefficients.slice(120).every((c) => c === 0)).toBe(true);
    const got = Object.fromEntries(Object.entries(readSafetensors(out).tensors).map(([n, a]) => [n, a.data as Float32Array]));
    // sigma_rel 0.1 at a snapshot step is one of the snapshots itself.
    expect(maxRelError(got, direct600)).toBeLessThan(tol);
  });

  test('float64 output keeps the accumulator precision', () => {
    const out = join(dir, `rec-${precision}-f64.safetensors`);
    reconstructEma({ snapshots: snaps, sigmaRel: 0.08, out, dtype: 'float64' });
    const { tensors } = readSafetensors(out);
    expect(tensors.w!.dtype).toBe('float64');
  });
});
