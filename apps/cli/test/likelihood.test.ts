import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray, readNpy, writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { gaussianMixtureLogDensity } from '@flow/solvers';
import { likelihoodCommand } from '../src/commands/likelihood';
import { trainCommand } from '../src/commands/train';
import { UsageError } from '../src/usage-error';
import { captureStdout } from './capture-stdout';

describe('flow likelihood', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-likelihood-test-'));
  const spec = { weights: [0.4, 0.6], means: [[-1.5, 1], [2, -0.5]], stds: [0.6, 0.4] };
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const n = 12;
  // Half the rows from the mixture's first component, half from its second.
  const rng = new Rng(4);
  const x = new Float32Array(n * 2).map((_, k) => {
    const c = Math.floor(k / 2) < n / 2 ? 0 : 1;
    return spec.means[c]![k % 2]! + spec.stds[c]! * rng.normal();
  });
  writeNpy(join(dir, 'x.npy'), ndarray('float32', [n, 2], x));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) => captureStdout(() => likelihoodCommand.run([...args, '--backend', 'cpu', '--json']));

  it('scores an exact GMM flow within 1e-3 nats of the closed-form mixture density', async () => {
    const { code, out } = await run(['--model', `gmm:${specPath}`, '--x', join(dir, 'x.npy'), '--out', join(dir, 'logp.npy'), '--rtol', '1e-6', '--atol', '1e-6']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as Record<string, unknown>;
    for (const key of ['mean_log_likelihood', 'nfe', 'seconds', 'backend', 'estimator']) expect(j).toHaveProperty(key);
    expect(j).not.toHaveProperty('bits_per_dim');
    const logp = readNpy(join(dir, 'logp.npy')).data as Float64Array;
    const ref = gaussianMixtureLogDensity(spec, x, n);
    for (let i = 0; i < n; i++) expect(Math.abs(logp[i]! - ref[i]!)).toBeLessThan(1e-3);
  });

  it('on a trained MLP, Hutchinson agrees with the exact (autodiff) estimator within its standard error', async () => {
    const runDir = join(dir, 'run');
    const t = await captureStdout(() =>
      trainCommand.run(['--dataset', 'two-mode-2d', '--model', 'mlp', '--hidden', '16', '--layers', '2', '--steps', '10', '--out', runDir, '--backend', 'cpu', '--quiet', '--json']),
    );
    expect(t.code).toBe(0);
    const common = ['--model', runDir, '--x', join(dir, 'x.npy')];
    const exact = JSON.parse((await run([...common, '--out', join(dir, 'e.npy'), '--estimator', 'exact'])).out) as { mean_log_likelihood: number; divergence: string };
    const hutch = JSON.parse((await run([...common, '--out', join(dir, 'h.npy'), '--estimator', 'hutchinson', '--probes', '8', '--seed', '3'])).out) as {
      mean_log_likelihood: number;
      standard_error: number;
    };
    expect(exact.divergence).toBe('autodiff (d VJPs)');
    expect(hutch.standard_error).toBeGreaterThan(0);
    // Both integrate at the default tolerance (1e-5); the rest of the gap is the probes' error.
    expect(Math.abs(hutch.mean_log_likelihood - exact.mean_log_likelihood)).toBeLessThan(4 * hutch.standard_error + 1e-3);
  });

  it('rejects bad options and shapes as usage errors', async () => {
    await expect(run(['--model', `gmm:${specPath}`, '--x', join(dir, 'x.npy'), '--out', join(dir, 'o.npy'), '--estimator', 'exact', '--probes', '4'])).rejects.toThrow(UsageError);
    await expect(run(['--model', `gmm:${specPath}`, '--x', join(dir, 'x.npy'), '--out', join(dir, 'o.npy'), '--estimator', 'bogus'])).rejects.toThrow(/--estimator expects one of/);
    writeNpy(join(dir, 'bad.npy'), ndarray('float32', [2, 3], new Float32Array(6)));
    await expect(run(['--model', `gmm:${specPath}`, '--x', join(dir, 'bad.npy'), '--out', join(dir, 'o.npy')])).rejects.toThrow(/rows have 3 values but the model expects 2/);
  });
});
