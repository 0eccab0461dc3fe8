import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray, readNpy, writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { matchCommand } from '../src/commands/match';
import { trainCommand } from '../src/commands/train';
import { UsageError } from '../src/usage-error';
import { captureStdout } from './capture-stdout';

describe('flow match --solver sinkhorn|unbalanced|partial', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-match-entropic-test-'));
  const n = 24;
  const rng = new Rng(3);
  writeNpy(join(dir, 'x.npy'), ndarray('float32', [n, 2], rng.fillNormal(new Float32Array(n * 2)).map((v, k) => v + (k % 2 ? 0 : 3))));
  writeNpy(join(dir, 'z.npy'), ndarray('float32', [n, 2], rng.fillNormal(new Float32Array(n * 2))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const match = (extra: string[]) =>
    captureStdout(() => matchCommand.run(['--data', join(dir, 'x.npy'), '--noise', join(dir, 'z.npy'), '--out', join(dir, 'p.npy'), '--cost-backend', 'cpu', '--json', ...extra]));

  it.each([
    ['sinkhorn', [], 1],
    ['unbalanced', ['--reg-m', '0.5'], null],
    ['partial', ['--mass', '0.7'], 0.7],
  ] as const)('%s writes a permutation, the plan and the JSON keys', async (solver, extra, mass) => {
    const { code, out } = await match(['--solver', solver, '--reg', '0.05', '--plan-out', join(dir, 'plan.npy'), ...extra]);
    expect(code).toBe(0);
    const j = JSON.parse(out) as Record<string, unknown>;
    for (const key of ['reg', 'cost_scale', 'pairing', 'paired_mass', 'iterations', 'converged', 'marginal_error', 'plan_mass', 'total_cost', 'seconds_plan', 'plan_out']) expect(j).toHaveProperty(key);
    expect(j.converged).toBe(true);
    const p = readNpy(join(dir, 'p.npy'));
    expect(new Set(Array.from(p.data as BigInt64Array, Number)).size).toBe(n);
    const plan = readNpy(join(dir, 'plan.npy'));
    expect(plan.shape).toEqual([n, n]);
    const total = (plan.data as Float64Array).reduce((s, v) => s + v, 0);
    if (mass !== null) expect(total).toBeCloseTo(mass, 8);
    expect(total).toBeCloseTo(j.plan_mass as number, 12);
  });

  it('rejects flags that do not fit the solver', async () => {
    await expect(match(['--solver', 'sinkhorn', '--mass', '0.5'])).rejects.toThrow(UsageError);
    await expect(match(['--solver', 'exact', '--reg', '0.1'])).rejects.toThrow(/applies only to --solver sinkhorn/);
    await expect(match(['--solver', 'partial', '--mass', '1.5'])).rejects.toThrow(UsageError);
  });

  it('flow train --coupling sinkhorn runs and reports its path-length reduction', async () => {
    const { code, out } = await captureStdout(() =>
      trainCommand.run(['--dataset', 'two-mode-2d', '--model', 'mlp', '--hidden', '8', '--layers', '1', '--steps', '3', '--batch', '16', '--coupling', 'sinkhorn', '--ms', '32', '--reg', '0.1', '--out', join(dir, 'run'), '--backend', 'cpu', '--quiet', '--json']),
    );
    expect(code).toBe(0);
    const j = JSON.parse(out) as { coupling: { name: string; reduction: number } };
    expect(j.coupling.name).toBe('sinkhorn');
    expect(j.coupling.reduction).toBeGreaterThan(0);
  });
});
