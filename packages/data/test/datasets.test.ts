import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { ArraySampler, loadDataset, mnistDataset, toyDataset, DataInputError } from '../src/index';

describe('two-mode-2d', () => {
  it('has the paper modes N((+-8, 8), diag(3, 0.1)) at scale 1/8', () => {
    const ds = toyDataset('two-mode-2d');
    expect(ds.normalization).toEqual({ scale: 1 / 8, shift: 0 });
    const x = ds.sampler(new Rng(1)).draw(40000);
    const stats = [-1, 1].map((side) => {
      let n = 0, mx = 0, my = 0, vx = 0, vy = 0;
      for (let i = 0; i < x.length; i += 2) if (Math.sign(x[i]) === side) { n++; mx += x[i]; my += x[i + 1]; }
      mx /= n; my /= n;
      for (let i = 0; i < x.length; i += 2) if (Math.sign(x[i]) === side) { vx += (x[i] - mx) ** 2; vy += (x[i + 1] - my) ** 2; }
      return { n, mx: mx * 8, my: my * 8, vx: (vx / n) * 64, vy: (vy / n) * 64 };
    });
    for (const [i, s] of stats.entries()) {
      expect(s.n / 20000).toBeCloseTo(1, 1);
      expect(s.mx).toBeCloseTo(i === 0 ? -8 : 8, 1);
      expect(s.my).toBeCloseTo(8, 1);
      expect(s.vx).toBeGreaterThan(2.8); // 3, slightly truncated by the sign split at |x| > 8 / sqrt(3) sigma
      expect(s.vx).toBeLessThan(3.15);
      expect(s.vy).toBeCloseTo(0.1, 2);
    }
  });

  it('every toy is reproducible from its state', () => {
    for (const name of ['two-mode-2d', 'ring8', 'moons', 'checkerboard']) {
      const s = toyDataset(name).sampler(new Rng(3));
      s.draw(10);
      const state = s.getState();
      const a = s.draw(7);
      const t = toyDataset(name).sampler(new Rng(99));
      t.setState(state);
      expect(Array.from(t.draw(7))).toEqual(Array.from(a));
    }
  });
});

describe('ArraySampler', () => {
  it('serves shuffled epochs without replacement and restores exactly', () => {
    const data = Float32Array.from({ length: 10 }, (_, i) => i);
    const s = new ArraySampler(data, 1, new Rng(5));
    const first = Array.from(s.draw(10)).sort((a, b) => a - b);
    expect(first).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    s.draw(3);
    const state = s.getState();
    const next = Array.from(s.draw(15));
    const r = new ArraySampler(data, 1, new Rng(0));
    r.setState(state);
    expect(Array.from(r.draw(15))).toEqual(next);
  });
});

describe('mnist', () => {
  it('holds the 10,000 digits of the mnist package in [-1, 1], class-interleaved', () => {
    const ds = mnistDataset();
    expect(ds.size).toBe(10000);
    expect(ds.shape).toEqual([28, 28, 1]);
    const x = ds.sampler(new Rng(0)).draw(50);
    let lo = Infinity, hi = -Infinity;
    for (const v of x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBe(-1);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.9);
  });

  it('pads to 32x32 with background', () => {
    const ds = mnistDataset({ size: 32, limit: 20 });
    expect(ds.shape).toEqual([32, 32, 1]);
    expect(ds.size).toBe(20);
    const x = ds.sampler(new Rng(0)).draw(1);
    for (let i = 0; i < 32; i++) {
      expect(x[i]).toBe(-1); // first row
      expect(x[i * 32]).toBe(-1); // first column
      expect(x[31 * 32 + i]).toBe(-1); // last row
    }
  });
});

describe('files', () => {
  let tmp: string;
  beforeAll(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-ds-'))));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads a uint8 (n, C, H, W) .npy as NHWC in [-1, 1]', () => {
    const file = path.join(tmp, 'imgs.npy');
    const data = new Uint8Array(2 * 3 * 4 * 4);
    for (let i = 0; i < data.length; i++) data[i] = i % 256;
    writeNpy(file, { dtype: 'uint8', shape: [2, 3, 4, 4], data });
    const ds = loadDataset(file);
    expect(ds.shape).toEqual([4, 4, 3]);
    expect(ds.kind).toBe('image');
    const rows = ds.sampler(new Rng(0)).draw(2);
    const sorted = [rows.subarray(0, 48), rows.subarray(48)].sort((a, b) => a[0] - b[0]);
    // sample 0, pixel (0,0): channels 0, 1, 2 are at flat 0, 16, 32 in CHW
    [0, 16, 32].forEach((v, c) => expect(sorted[0][c]).toBeCloseTo(v / 127.5 - 1, 6));
  });

  it('reads (n, d) float .npy as points', () => {
    const file = path.join(tmp, 'pts.npy');
    writeNpy(file, { dtype: 'float64', shape: [5, 3], data: new Float64Array(15).fill(0.5) });
    const ds = loadDataset(file);
    expect(ds.shape).toEqual([3]);
    expect(ds.size).toBe(5);
  });

  it('reads a folder of PNGs and names the odd file out', () => {
    const dir = path.join(tmp, 'pngs');
    mkdirSync(dir);
    const write = (name: string, w: number, h: number, v: number) => {
      const png = new PNG({ width: w, height: h });
      png.data.fill(v);
      for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
      writeFileSync(path.join(dir, name), PNG.sync.write(png));
    };
    write('a.png', 8, 8, 0);
    write('b.png', 8, 8, 255);
    const ds = loadDataset(dir);
    expect(ds.shape).toEqual([8, 8, 1]);
    expect(ds.size).toBe(2);
    write('c.png', 9, 8, 10);
    expect(() => loadDataset(dir)).toThrow(/c\.png: image is 9x8, expected 8x8/);
  });

  it('gives input errors that name the file', () => {
    expect(() => loadDataset(path.join(tmp, 'missing.npy'))).toThrow(DataInputError);
    expect(() => loadDataset(path.join(tmp, 'missing.npy'))).toThrow(/missing\.npy/);
    const bad = path.join(tmp, 'bad.npy');
    writeFileSync(bad, 'not an npy file');
    expect(() => loadDataset(bad)).toThrow(/bad\.npy/);
    const nan = path.join(tmp, 'nan.npy');
    writeNpy(nan, { dtype: 'float32', shape: [2, 2], data: Float32Array.from([0, 1, NaN, 2]) });
    expect(() => loadDataset(nan)).toThrow(/nan\.npy: non-finite value NaN at flat index 2/);
    const v = path.join(tmp, 'vec.npy');
    writeNpy(v, { dtype: 'float32', shape: [4], data: new Float32Array(4) });
    expect(() => loadDataset(v)).toThrow(/vec\.npy: expected shape/);
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    expect(() => loadDataset(empty)).toThrow(/no \.png files/);
  });
});
