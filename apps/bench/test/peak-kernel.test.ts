import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { peakFlops, peakVariants } from '../src/peak/peak-fma';
import { PEAK_KERNEL_SIMD, PEAK_SHAPE } from '../src/peak/peak-kernel-binary';

const root = path.resolve(__dirname, '..');
type Peak = { exports: { peak(n: number): number } };
const W = (globalThis as unknown as { WebAssembly: { Instance: new (m: object) => Peak; Module: new (b: Uint8Array) => object } }).WebAssembly;

describe('peak-FMA wasm kernel', () => {
  test('the committed binary equals a fresh generation from scripts/peak-wasm.mjs', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/peak-wasm.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('up to date: src/peak/peak-kernel-binary.ts');
    expect(r.status).toBe(0);
  });

  test('mul+add computes what float32 arithmetic gives, step for step', () => {
    const inst = new W.Instance(new W.Module(Buffer.from(PEAK_KERNEL_SIMD, 'base64')));
    const n = 7;
    const f = Math.fround;
    const a = f(0.999999);
    const b = f(1e-6);
    let sum = f(0);
    for (let i = 0; i < PEAK_SHAPE.chains; i++) {
      let acc = f(0.5 + i / 64);
      for (let s = 0; s < n * PEAK_SHAPE.unroll; s++) acc = f(f(acc * a) + b);
      sum = f(sum + acc);
    }
    expect(inst.exports.peak(n)).toBe(sum);
    expect(peakFlops(n)).toBe(n * PEAK_SHAPE.chains * PEAK_SHAPE.unroll * 4 * 2);
  });

  test('every variant that validates runs, and the fused one agrees within float32 rounding', () => {
    const variants = peakVariants();
    expect(variants.map((v) => v.variant)).toContain('SIMD mul+add');
    const values = variants.map((v) => new W.Instance(v.module).exports.peak(1000));
    // 4000 steps of rounding per chain: fused and unfused drift apart by ~1e-4 relative.
    for (const v of values) expect(Math.abs(v - values[values.length - 1]!)).toBeLessThan(1e-3 * Math.abs(v));
  });
});
