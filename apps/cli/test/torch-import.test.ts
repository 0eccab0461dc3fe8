import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray, readNpy, readSafetensors, readTorchStateDict, writeNpy, writeNpz } from '@flow/io';
import { Rng } from '@flow/random';
import { convertCommand } from '../src/commands/convert';
import { importCommand } from '../src/commands/import';
import { probeCommand } from '../src/commands/probe';
import { sampleCommand } from '../src/commands/sample';
import { velocityCommand } from '../src/commands/velocity';
import { captureStdout } from './capture-stdout';

// Fixtures of @flow/io (torch.save files) and @flow/trainer (a random-weight EDM2 network with PyTorch's
// velocities); their generator scripts sit beside them. Nothing here needs python.
const torchFixtures = join(__dirname, '..', '..', '..', 'packages', 'io', 'test', 'fixtures', 'torch');
const edm2 = join(__dirname, '..', '..', '..', 'packages', 'trainer', 'test', 'fixtures', 'edm2', 'plain');

describe('flow convert / import / velocity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-torch-import-test-'));
  const model = join(dir, 'model');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('convert: a state dict to safetensors, the same tensors; a hostile file is refused (input error) and nothing is written', async () => {
    const out = join(dir, 'sd.safetensors');
    const r = await captureStdout(() => convertCommand.run([join(torchFixtures, 'state-dict.pt'), out, '--json']));
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out) as { tensors: number; dtypes: Record<string, number> };
    expect(info.tensors).toBe(17);
    expect(info.dtypes.bfloat16).toBe(1);
    const want = readTorchStateDict(join(torchFixtures, 'state-dict.pt'));
    const got = readSafetensors(out).tensors;
    for (const [k, v] of Object.entries(want)) expect({ k, dtype: got[k]!.dtype, shape: got[k]!.shape, data: Array.from(got[k]!.data as ArrayLike<unknown>) }).toEqual({ k, dtype: v.dtype, shape: v.shape, data: Array.from(v.data as ArrayLike<unknown>) });
    const nested = await captureStdout(() => convertCommand.run([join(torchFixtures, 'nested.pt'), join(dir, 'ema.safetensors'), '--key', 'ema', '--json']));
    expect(JSON.parse(nested.out)).toMatchObject({ tensors: 2, key: 'ema' });
    const before = readdirSync(dir).length;
    await expect(convertCommand.run([join(torchFixtures, 'hostile-os-system.pt'), join(dir, 'evil.safetensors')])).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/refusing global (posix|os)\.system/) });
    expect(readdirSync(dir).length).toBe(before);
  });

  it('import + velocity: PyTorch velocities within 1e-4 relative, one t for all rows too', async () => {
    const r = await captureStdout(() => importCommand.run(['--format', 'edm2', '--checkpoint', join(edm2, 'state-dict.pt'), '--config', join(edm2, 'config.json'), '--out', model, '--json']));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ format: 'edm2', resolution: 8, channels: 2, label_dim: 0, parameters: 43131 });
    const v = join(dir, 'v.npy');
    const run = await captureStdout(() => velocityCommand.run(['--model', model, '--x', join(edm2, 'x.npy'), '--t', join(edm2, 't.npy'), '--out', v, '--batch', '3', '--backend', 'cpu', '--json']));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ n: 4, dim: 128 });
    const got = readNpy(v);
    const want = readNpy(join(edm2, 'v.npy')).data as Float32Array;
    expect(got.shape).toEqual([4, 8, 8, 2]);
    let d2 = 0;
    let w2 = 0;
    (got.data as Float32Array).forEach((g, i) => ((d2 += (g - want[i]!) ** 2), (w2 += want[i]! ** 2)));
    expect(Math.sqrt(d2 / w2)).toBeLessThan(1e-4);
    // One time for every row equals the per-row result of the row that has it.
    const x = readNpy(join(edm2, 'x.npy'));
    writeNpy(join(dir, 't1.npy'), ndarray('float32', [1], new Float32Array([0.3])));
    await captureStdout(() => velocityCommand.run(['--model', model, '--x', join(edm2, 'x.npy'), '--t', join(dir, 't1.npy'), '--out', join(dir, 'v1.npy'), '--backend', 'cpu']));
    const row = 128;
    const v1 = (readNpy(join(dir, 'v1.npy')).data as Float32Array).subarray(row, 2 * row);
    expect(Math.max(...v1.map((a, i) => Math.abs(a - (got.data as Float32Array)[row + i]!)))).toBeLessThan(1e-5);
    expect(x.shape[0]).toBe(4);
    await expect(velocityCommand.run(['--model', model, '--x', join(edm2, 'x.npy'), '--t', join(edm2, 'x.npy'), '--out', join(dir, 'bad.npy')])).rejects.toMatchObject({ kind: 'input' });
  });

  it('flow sample reads the imported model directory (Bespoke goes through the same loader)', async () => {
    const s = await captureStdout(() => sampleCommand.run(['--model', model, '--solver', 'euler', '--nfe', '2', '--count', '3', '--out', join(dir, 's.npy'), '--backend', 'cpu', '--json']));
    expect(s.code).toBe(0);
    const samples = readNpy(join(dir, 's.npy'));
    expect(samples.shape).toEqual([3, 8, 8, 2]);
    expect((samples.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('probe: encoder features of the imported U-Net separate classes that differ in brightness', async () => {
    const n = 90;
    const x = new Float32Array(n * 128);
    const y = new Int32Array(n);
    const rng = new Rng(3);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      for (let j = 0; j < 128; j++) x[i * 128 + j] = 0.3 * rng.normal() + 0.5 * (y[i]! - 1);
    }
    writeNpz(join(dir, 'labelled.npz'), { x: ndarray('float32', [n, 8, 8, 2], x), y: ndarray('int32', [n], y) });
    const r = await captureStdout(() => probeCommand.run(['--model', model, '--dataset', join(dir, 'labelled.npz'), '--train', '60', '--test', '30', '--t', '0.9', '--backend', 'cpu', '--json']));
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out) as Record<string, number>;
    expect(info).toMatchObject({ t: 0.9, train_count: 60, test_count: 30, feature_dim: 8 + 8 + 8 + 16, classes: 3 }); // conv, 8x8_block0, 4x4_down, 4x4_block0
    expect(info.accuracy).toBeGreaterThan(0.9);
    await expect(probeCommand.run(['--model', model, '--dataset', 'mnist'])).rejects.toMatchObject({ kind: 'input' });
  });
});
