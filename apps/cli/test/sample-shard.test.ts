import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '@flow/io';
import { sampleCommand } from '../src/commands/sample';
import { trainCommand } from '../src/commands/train';
import { UsageError } from '../src/usage-error';
import { captureStdout } from './capture-stdout';

describe('flow sample --shard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-sample-shard-test-'));
  const run = join(dir, 'run');
  const sample = (extra: string[], out: string) =>
    captureStdout(() => sampleCommand.run(['--model', run, '--solver', 'heun', '--nfe', '4', '--count', '23', '--seed', '5', '--out', out, '--backend', 'cpu', ...extra]));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const { code } = await captureStdout(() =>
      trainCommand.run(['--dataset', 'two-mode-2d', '--model', 'mlp', '--hidden', '16', '--layers', '1', '--steps', '20', '--out', run, '--backend', 'cpu', '--quiet', '--json']),
    );
    expect(code).toBe(0);
  });

  it('concatenates K shards into the single-process output bit for bit, whatever the batch size', async () => {
    expect((await sample(['--batch', '7'], join(dir, 'all.npy'))).code).toBe(0);
    const whole = readNpy(join(dir, 'all.npy')).data as Float32Array;
    expect(whole.length).toBe(46);
    const parts: Float32Array[] = [];
    for (let i = 0; i < 4; i++) {
      const file = join(dir, `shard-${i}.npy`);
      expect((await sample(['--shard', `${i}/4`, '--batch', '3'], file)).code).toBe(0);
      parts.push(readNpy(file).data as Float32Array);
    }
    // floor(i * 23 / 4): rows 0-4, 5-10, 11-16, 17-22
    expect(parts.map((p) => p.length / 2)).toEqual([5, 6, 6, 6]);
    const joined = new Float32Array(whole.length);
    parts.reduce((o, p) => (joined.set(p, o), o + p.length), 0);
    expect(Buffer.from(joined.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
  });

  it('rejects malformed shards and dopri5', async () => {
    await expect(sample(['--shard', '4/4'], join(dir, 'x.npy'))).rejects.toThrow(UsageError);
    await expect(sample(['--shard', '1-4'], join(dir, 'x.npy'))).rejects.toThrow(/I\/K/);
    await expect(
      captureStdout(() => sampleCommand.run(['--model', run, '--solver', 'dopri5', '--count', '4', '--shard', '0/2', '--out', join(dir, 'x.npy'), '--backend', 'cpu'])),
    ).rejects.toThrow(/dopri5/);
  });
});
