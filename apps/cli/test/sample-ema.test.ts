import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '@flow/io';
import { sampleCommand } from '../src/commands/sample';
import { trainCommand } from '../src/commands/train';
import { UsageError } from '../src/usage-error';
import { captureStdout } from './capture-stdout';

describe('flow sample --ema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-sample-ema-test-'));
  const run = join(dir, 'run');
  const sample = (extra: string[], out: string) =>
    captureStdout(() => sampleCommand.run(['--model', run, '--solver', 'euler', '--nfe', '4', '--count', '32', '--out', out, '--backend', 'cpu', '--json', ...extra]));
  const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith('flow-sample-ema-') && !f.startsWith('flow-sample-ema-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const { code } = await captureStdout(() =>
      trainCommand.run(['--dataset', 'two-mode-2d', '--model', 'mlp', '--hidden', '16', '--layers', '1', '--steps', '40', '--ema-every', '10', '--out', run, '--backend', 'cpu', '--quiet', '--json']),
    );
    expect(code).toBe(0);
  });

  it('samples the post-hoc EMA weights as of the last snapshot, and leaves no temporary files', async () => {
    const before = leftovers().length;
    const raw = await sample([], join(dir, 'raw.npy'));
    const ema = await sample(['--ema', '0.1'], join(dir, 'ema.npy'));
    expect(raw.code).toBe(0);
    expect(ema.code).toBe(0);
    const info = JSON.parse(ema.out) as { ema: number; step: number; identity: string };
    expect(info.ema).toBe(0.1);
    expect(info.step).toBe(40);
    // Same noise (seed 0), other weights: other samples, and another model identity.
    expect(info.identity).not.toBe((JSON.parse(raw.out) as { identity: string }).identity);
    const a = readNpy(join(dir, 'raw.npy')).data as Float32Array;
    const b = readNpy(join(dir, 'ema.npy')).data as Float32Array;
    expect(b.length).toBe(64);
    expect(a.some((v, i) => v !== b[i])).toBe(true);
    expect(leftovers().length).toBe(before);
  });

  it('rejects a width outside (0, 0.3003] and --ema with --weights, naming the option', async () => {
    const before = leftovers().length;
    await expect(sample(['--ema', '0.5'], join(dir, 'x.npy'))).rejects.toThrow(/--ema 0.5: sigma_rel must be in/);
    await expect(sample(['--ema', '0.5'], join(dir, 'x.npy'))).rejects.toBeInstanceOf(UsageError);
    await expect(sample(['--ema', '0.1', '--weights', 'w.safetensors'], join(dir, 'x.npy'))).rejects.toThrow(/--weights or --ema, not both/);
    expect(leftovers().length).toBe(before);
  });
});
