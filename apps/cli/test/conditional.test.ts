import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { runCaptured } from './run-captured';

describe('flow train --conditional / flow sample --class --guidance / flow bespoke --class', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-conditional-cli-'));
  const run = join(dir, 'run');
  const plain = join(dir, 'plain');
  const points = join(dir, 'points.npy');
  const labels = join(dir, 'labels.npy');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const rng = new Rng(1);
    const n = 120;
    const xs = new Float32Array(n * 2);
    const ys = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ys[i] = i % 3;
      xs[2 * i] = ys[i]! - 1 + 0.1 * rng.normal();
      xs[2 * i + 1] = 0.1 * rng.normal();
    }
    writeNpy(points, { dtype: 'float32', shape: [n, 2], data: xs });
    writeNpy(labels, { dtype: 'int32', shape: [n], data: ys });
    const common = ['--model', 'mlp', '--hidden', '16', '--layers', '1', '--steps', '10', '--backend', 'cpu', '--quiet'];
    expect((await runCaptured(['train', '--dataset', points, '--conditional', '--labels', labels, '--label-dropout', '0.2', '--out', run, ...common])).code).toBe(0);
    expect((await runCaptured(['train', '--dataset', points, '--out', plain, ...common])).code).toBe(0);
  });

  const sample = (model: string, extra: string[]) =>
    runCaptured(['sample', '--model', model, '--solver', 'heun', '--nfe', '4', '--count', '7', '--backend', 'cpu', '--out', join(dir, 's.npy'), ...extra]);

  it('samples every class with labels beside the samples, and reports class and guidance', async () => {
    const r = await sample(run, ['--class', 'all', '--guidance', '2', '--labels-out', join(dir, 'l.npy'), '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { class: string; guidance: number; identity: string; labels_out: string };
    expect([json.class, json.guidance, json.labels_out]).toEqual(['all', 2, join(dir, 'l.npy')]);
    expect(json.identity).toMatch(/#class=all;guidance=2$/);
    expect(Array.from(readNpy(join(dir, 'l.npy')).data as Int32Array)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(readNpy(join(dir, 's.npy')).shape).toEqual([7, 2]);
  });

  it('guided shards concatenate to the single-process output, labels included', async () => {
    const whole = join(dir, 'whole.npy');
    const extra = ['--class', 'all', '--guidance', '1.5', '--count', '11', '--batch', '4'];
    expect((await sample(run, [...extra, '--out', whole, '--labels-out', join(dir, 'whole-l.npy')])).code).toBe(0);
    const parts: number[] = [];
    const labelParts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const file = join(dir, `shard-${i}.npy`);
      expect((await sample(run, [...extra, '--batch', '3', '--shard', `${i}/3`, '--out', file, '--labels-out', join(dir, `l-${i}.npy`)])).code).toBe(0);
      parts.push(...(readNpy(file).data as Float32Array));
      labelParts.push(...(readNpy(join(dir, `l-${i}.npy`)).data as Int32Array));
    }
    expect(Buffer.from(Float32Array.from(parts).buffer).equals(Buffer.from((readNpy(whole).data as Float32Array).buffer))).toBe(true);
    expect(labelParts).toEqual(Array.from(readNpy(join(dir, 'whole-l.npy')).data as Int32Array));
  });

  it('names the flag in its errors (exit 2)', async () => {
    const unconditional = await sample(plain, ['--class', '1']);
    expect(unconditional.code).toBe(2);
    expect(unconditional.err).toMatch(/--class 1: the model is unconditional/);
    const range = await sample(run, ['--class', '3']);
    expect(range.code).toBe(2);
    expect(range.err).toMatch(/--class must be a class index in 0\.\.2 or 'all', got 3/);
    expect((await sample(run, ['--class', 'two'])).err).toMatch(/--class expects a class index/);
    expect((await sample(run, ['--guidance', '2'])).err).toMatch(/--guidance needs --class/);
    const noLabels = await runCaptured(['train', '--dataset', points, '--conditional', '--model', 'mlp', '--steps', '1', '--out', join(dir, 'x'), '--backend', 'cpu', '--quiet']);
    expect(noLabels.code).toBe(2);
    expect(noLabels.err).toMatch(/--labels missing/);
  });

  it('trains a Bespoke solver for a guided field, bound to its class and weight', async () => {
    const params = join(dir, 'bes.json');
    const b = await runCaptured(['bespoke', '--model', run, '--base', 'midpoint', '--nfe', '4', '--out', params, '--class', '1', '--guidance', '2',
      '--iterations', '2', '--train-samples', '8', '--val-samples', '8', '--test-samples', '8', '--backend', 'cpu', '--json']);
    expect(b.code).toBe(0);
    expect((JSON.parse(b.out) as { model: string }).model).toMatch(/#class=1;guidance=2$/);
    expect((await sample(run, ['--solver', `bespoke:${params}`, '--class', '1', '--guidance', '2'])).code).toBe(0);
    const other = await sample(run, ['--solver', `bespoke:${params}`, '--class', '0', '--guidance', '2']);
    expect(other.code).not.toBe(0);
    expect((await runCaptured(['bespoke', '--model', plain, '--base', 'euler', '--nfe', '2', '--out', params, '--class', '0', '--backend', 'cpu'])).err).toMatch(/--class 0: the model is unconditional/);
  });
});
