import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '@flow/io';
import { EmaInputError, listSnapshots, PowerEmaTracker, reconstructEma, snapshotMetadata } from '../src/index';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-ema-resume-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Pseudo-random weights from a fixed recurrence (no wall clock, no global state).
function weightsAt(step: number): Record<string, Float32Array> {
  const a = new Float32Array(257);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(step * 12.9898 + i * 78.233) * 43758.5453 % 1;
  return { layer: a, gain: Float32Array.of(1 + 0.001 * step) };
}

describe.each(['float32', 'float64'] as const)('PowerEmaTracker resume (%s)', (precision) => {
  test('20 steps equal 10 steps, save, load, 10 more steps: bit for bit, snapshots included', () => {
    const a = join(dir, `${precision}-a`);
    const b = join(dir, `${precision}-b`);
    const full = new PowerEmaTracker({ snapshotEvery: 4, dir: a, precision });
    for (let t = 1; t <= 20; t++) full.update(weightsAt(t));

    const first = new PowerEmaTracker({ snapshotEvery: 4, dir: b, precision });
    for (let t = 1; t <= 10; t++) first.update(weightsAt(t));
    const stateFile = join(dir, `${precision}-state.safetensors`);
    first.saveState(stateFile);
    const resumed = PowerEmaTracker.loadState(stateFile, { snapshotEvery: 4, dir: b });
    expect(resumed.step).toBe(10);
    expect(resumed.precision).toBe(precision);
    for (let t = 11; t <= 20; t++) resumed.update(weightsAt(t));

    for (const s of [0.05, 0.1]) {
      const x = full.ema(s);
      const y = resumed.ema(s);
      for (const n of Object.keys(x)) expect(Buffer.from(y[n]!.buffer).equals(Buffer.from(x[n]!.buffer))).toBe(true);
    }
    const filesA = readdirSync(a).sort();
    expect(readdirSync(b).sort()).toEqual(filesA);
    expect(filesA).toHaveLength(10);
    for (const f of filesA) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f)))).toBe(true);
  });

  test('getState / fromState round trip keeps the state and copies it', () => {
    const t1 = new PowerEmaTracker({ sigmaRels: [0.07], precision });
    for (let t = 1; t <= 5; t++) t1.update(weightsAt(t));
    const state = t1.getState();
    const t2 = PowerEmaTracker.fromState(state);
    t1.update(weightsAt(6));
    t2.update(weightsAt(6));
    expect(Array.from(t2.ema(0.07).layer!)).toEqual(Array.from(t1.ema(0.07).layer!));
    expect(state.step).toBe(5);
  });
});

describe('PowerEmaTracker basics', () => {
  test('first update copies the weights, later ones follow beta = (1 - 1/t)^(gamma + 1)', () => {
    const tr = new PowerEmaTracker({ sigmaRels: [0.1], precision: 'float64' });
    tr.update({ w: Float32Array.of(2) });
    expect(tr.ema(0.1).w![0]).toBe(2);
    tr.update({ w: Float32Array.of(4) });
    const beta = 0.5 ** (tr.gammas[0]! + 1);
    expect(tr.ema(0.1).w![0]).toBeCloseTo(beta * 2 + (1 - beta) * 4, 14);
  });
  test('bad use is an input error', () => {
    expect(() => new PowerEmaTracker({ sigmaRels: [0.05, 0.05] })).toThrow(EmaInputError);
    expect(() => new PowerEmaTracker({ snapshotEvery: 10 })).toThrow(/needs a dir/);
    expect(() => new PowerEmaTracker({ sigmaRels: [0.4] })).toThrow(/sigma_rel must be in/);
    const tr = new PowerEmaTracker();
    tr.update({ a: new Float32Array(3) });
    expect(() => tr.update({ b: new Float32Array(3) })).toThrow(/tensor names changed/);
    expect(() => tr.update({ a: new Float32Array(4) })).toThrow(/has 4 values/);
    expect(() => tr.ema(0.2)).toThrow(/no EMA with sigma_rel 0.2/);
  });
});

describe('bad snapshot directories', () => {
  test('missing, empty, foreign files, inconsistent tensors', () => {
    expect(() => listSnapshots(join(dir, 'nope'))).toThrow(/snapshot directory does not exist/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => listSnapshots(empty)).toThrow(/no EMA snapshots/);
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeSafetensors(join(foreign, 'x.safetensors'), { w: { dtype: 'float32', shape: [1], data: Float32Array.of(1) } });
    expect(() => listSnapshots(foreign)).toThrow(/not an EMA snapshot/);
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'ema-0.050-000000001.safetensors'), 'garbage');
    let err: unknown;
    try {
      listSnapshots(broken);
    } catch (e) {
      err = e;
    }
    expect((err as { kind?: string }).kind).toBe('input');
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    writeSafetensors(join(mixed, 'ema-0.050-000000001.safetensors'), { w: { dtype: 'float32', shape: [2], data: new Float32Array(2) } }, snapshotMetadata(0.05, 16.97, 1));
    writeSafetensors(join(mixed, 'ema-0.100-000000001.safetensors'), { w: { dtype: 'float32', shape: [3], data: new Float32Array(3) } }, snapshotMetadata(0.1, 6.94, 1));
    expect(() => reconstructEma({ snapshots: mixed, sigmaRel: 0.07, out: join(dir, 'out.safetensors') })).toThrow(/tensor 'w' is float32 \[3\]/);
    expect(readdirSync(dir)).not.toContain('out.safetensors');
  });
  test('duplicate snapshots and targets before the first snapshot are refused', () => {
    const dup = join(dir, 'dup');
    mkdirSync(dup);
    for (const name of ['ema-a.safetensors', 'ema-b.safetensors']) {
      writeSafetensors(join(dup, name), { w: { dtype: 'float32', shape: [1], data: Float32Array.of(1) } }, snapshotMetadata(0.05, 16.972198602303447, 8));
    }
    expect(() => reconstructEma({ snapshots: dup, sigmaRel: 0.07, out: join(dir, 'o.safetensors') })).toThrow(/same profile/);
    expect(() => reconstructEma({ snapshots: dup, sigmaRel: 0.07, step: 4, out: join(dir, 'o.safetensors') })).toThrow(/no snapshot at or before step 4/);
  });
});
