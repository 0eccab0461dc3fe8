import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { loadDataset, loadMnistDigits } from '../src/index';

function writeGreyPng(file: string, value: number): void {
  const png = new PNG({ width: 2, height: 2 });
  for (let i = 0; i < 4; i++) png.data.set([value, value, value, 255], i * 4);
  writeFileSync(file, PNG.sync.write(png));
}

describe('labelled datasets', () => {
  let tmp: string;
  beforeAll(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-labels-'))));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('MNIST: the digit labels, 10 classes, each drawn row with its own label', () => {
    const ds = loadDataset('mnist', { labels: true, limit: 50 });
    expect(ds.classes).toBe(10);
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const { digits, labels } = loadMnistDigits();
    const s = ds.sampler(new Rng(1));
    const rows = s.draw(30);
    const got = s.takeLabels!(30);
    for (let k = 0; k < 30; k++) {
      // find the row in the dataset: its label must be the one handed out
      let found = -1;
      for (let r = 0; r < 50 && found < 0; r++) if (digits[r * 784 + 400] === rows[k * 784 + 400] && digits.subarray(r * 784, r * 784 + 784).every((v, i) => v === rows[k * 784 + i])) found = r;
      expect(got[k]).toBe(labels[found]);
    }
    expect(loadDataset('mnist', { limit: 5 }).classes).toBeUndefined();
    expect(loadDataset('mnist', { limit: 5 }).sampler(new Rng(1)).takeLabels).toBeUndefined();
  });

  it('the label queue is part of the sampler state', () => {
    const ds = loadDataset('mnist', { labels: true, limit: 20 });
    const a = ds.sampler(new Rng(2));
    a.draw(7);
    a.takeLabels!(3);
    const b = ds.sampler(new Rng(9));
    b.setState(a.getState());
    expect(Array.from(b.takeLabels!(4))).toEqual(Array.from(a.takeLabels!(4)));
    expect(() => a.takeLabels!(1)).toThrow(/1 labels asked for, 0 rows drawn/);
  });

  it('PNG folders: one sub-folder per class, sorted names, rows interleaved by class', () => {
    const root = path.join(tmp, 'classes');
    for (const [name, values] of [['cat', [10, 20]], ['ant', [100]], ['dog', [200, 210, 220]]] as const) {
      mkdirSync(path.join(root, name), { recursive: true });
      values.forEach((v, i) => writeGreyPng(path.join(root, name, `${i}.png`), v));
    }
    const ds = loadDataset(root, { labels: true });
    expect(ds.classes).toBe(3);
    expect(ds.classNames).toEqual(['ant', 'cat', 'dog']);
    expect(ds.size).toBe(6);
    const s = ds.sampler(new Rng(3));
    const rows = s.draw(6);
    const labels = s.takeLabels!(6);
    const byValue = new Map([[100, 0], [10, 1], [20, 1], [200, 2], [210, 2], [220, 2]]);
    for (let k = 0; k < 6; k++) expect(labels[k]).toBe(byValue.get(Math.round((rows[k * 4]! + 1) * 127.5)));
    // limit keeps classes balanced: the first of each class first
    expect(loadDataset(root, { labels: true, limit: 3 }).size).toBe(3);
    expect(() => loadDataset(path.join(root, 'ant'), { labels: true })).toThrow(/^dataset .*one sub-folder of \.png images per class/);
  });

  it('.npy rows with a labels file; errors name the field', () => {
    const points = path.join(tmp, 'p.npy');
    writeNpy(points, { dtype: 'float32', shape: [4, 2], data: new Float32Array(8).map((_, i) => i) });
    const good = path.join(tmp, 'l.npy');
    writeNpy(good, { dtype: 'int64', shape: [4], data: BigInt64Array.from([0n, 2n, 1n, 2n]) });
    const ds = loadDataset(points, { labels: good });
    expect(ds.classes).toBe(3);
    const s = ds.sampler(new Rng(4));
    const rows = s.draw(4);
    const want = [0, 2, 1, 2];
    s.takeLabels!(4).forEach((l, k) => expect(l).toBe(want[rows[k * 2]! / 2]));
    const short = path.join(tmp, 'short.npy');
    writeNpy(short, { dtype: 'int32', shape: [3], data: Int32Array.from([0, 1, 1]) });
    expect(() => loadDataset(points, { labels: short })).toThrow(expect.objectContaining({ field: 'labels', message: expect.stringMatching(/^labels has 3 labels, dataset .* has 4 rows/) }));
    const frac = path.join(tmp, 'frac.npy');
    writeNpy(frac, { dtype: 'float32', shape: [4], data: Float32Array.from([0, 1.5, 1, 0]) });
    expect(() => loadDataset(points, { labels: frac })).toThrow(/^labels .*row 1 has label 1\.5/);
    expect(() => loadDataset(points, { labels: true })).toThrow(expect.objectContaining({ field: 'labels' }));
    expect(() => loadDataset('mnist', { labels: good })).toThrow(expect.objectContaining({ field: 'labels' }));
    expect(() => loadDataset('ring8', { labels: true })).toThrow(expect.objectContaining({ field: 'dataset' }));
  });
});
