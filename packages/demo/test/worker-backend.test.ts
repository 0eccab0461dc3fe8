import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobResult, JobSpec } from '../src/job';
import { runInWorker } from '../src/run-in-worker';
import type { StageUpdate } from '../src/progress';

// The worker from source, as jest runs it: swc and @flow/* from packages/*/src.
const launch = { script: path.resolve(__dirname, 'demo-worker-from-source.cjs'), execArgv: [] };

describe('demo worker process', () => {
  it('runs on the backend the demo resolved, not on one it picks itself (issue 17, item 4)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flow-demo-worker-'));
    const spec: JobSpec = {
      id: 'two-mode-2d/independent',
      dir,
      dataset: { name: 'two-mode-2d', hidden: 8, layers: 1, batch: 16, steps: 4, lr: 1e-3, ms: 16, beta: 10, checkpointEvery: 4, samples: 32, curvatureSamples: 8, rtol: 1e-2, bespokeIterations: 1, bespokeBatch: 4, bespokeRtol: 1e-2, bespokeLr: 1e-2, bespokeLoss: 'rmse' },
      coupling: 'independent',
      dataSpec: 'two-mode-2d',
      nfes: [2],
      seed: 0,
      trajectoryPaths: 4,
      trajectoryPoints: 3,
      backend: 'cpu',
    };
    const updates: Omit<StageUpdate, 'job'>[] = [];
    // the worker's own choice would be wasm (FLOW_BACKEND): it must take the spec's cpu instead
    await runInWorker(spec, (u) => updates.push(u), { ...launch, env: { ...process.env, FLOW_BACKEND: 'wasm' } });
    const train = JSON.parse(readFileSync(path.join(dir, 'train.json'), 'utf8')) as { backend: string; steps: number };
    expect(train.backend).toBe('cpu');
    expect(train.steps).toBe(4);
    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as JobResult;
    expect(result.train.backend).toBe('cpu');
    expect(result.eval.solvers.map((s) => `${s.solver} ${s.nfe}`)).toEqual(['euler 2', 'heun 2', 'bespoke 2']);
    // progress came back over IPC
    expect(updates.some((u) => u.stage === 'train')).toBe(true);
    expect(updates.some((u) => u.stage === 'solve' && u.done === u.total)).toBe(true);
  });

  it('fails with the worker\'s last stderr lines when the job cannot run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flow-demo-worker-'));
    const spec = { id: 'broken', dir, backend: 'no-such-backend' } as unknown as JobSpec;
    await expect(runInWorker(spec, () => {}, launch)).rejects.toThrow(/demo job broken failed \(exit 1\): .*no-such-backend/);
  });
});
