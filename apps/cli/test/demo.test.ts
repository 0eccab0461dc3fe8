import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCommand } from '../src/commands/demo';
import { demoPlan } from '@flow/demo';

async function runDemo(argv: string[]): Promise<{ code: number; json: Record<string, any> }> {
  const write = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    const code = await demoCommand.run(argv);
    return { code, json: JSON.parse(out.trim()) as Record<string, any> };
  } finally {
    process.stdout.write = write;
    process.stderr.write = err;
  }
}

describe('flow demo --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-demo-'));
  const args = ['--quick', '--out', dir, '--json', '--quiet', '--jobs', '1', '--backend', 'wasm', '--seed', '3'];
  let first: Record<string, any>;

  it('trains, samples and measures every coupling and writes the report', async () => {
    const { code, json } = await runDemo(args);
    expect(code).toBe(0);
    first = json;
    const plan = demoPlan(true);
    expect(json.plan).toBe('quick');
    expect(json.seed).toBe(3);
    expect(json.backend).toBe('wasm');
    expect(typeof json.seconds).toBe('number');
    for (const ds of ['two-mode-2d', 'mnist']) {
      // the entropic coupling (sinkhorn by default) on two-mode-2d only
      expect(Object.keys(json.datasets[ds]).sort()).toEqual(ds === 'mnist' ? ['dansm', 'encoder', 'independent', 'ot'] : ['dansm', 'encoder', 'independent', 'ot', 'sinkhorn']);
      for (const coupling of Object.keys(json.datasets[ds])) {
        const r = json.datasets[ds][coupling];
        // every job got the run's resolved backend and trained on it
        expect(r.backend).toBe('wasm');
        expect(JSON.parse(readFileSync(join(dir, 'work', 'quick-seed3', `${ds}-${coupling}`, 'job.json'), 'utf8')).backend).toBe('wasm');
        expect(Number.isFinite(r.final_loss)).toBe(true);
        expect(r.curvature).toBeGreaterThan(0);
        expect(r.dopri5.nfe).toBeGreaterThan(0);
        // Euler, Heun and Bespoke at every NFE, each with a finite FID and distance to dopri5
        expect(r.solvers).toHaveLength(3 * plan.nfes.length);
        for (const s of r.solvers) {
          expect(['euler', 'heun', 'bespoke']).toContain(s.solver);
          expect(plan.nfes).toContain(s.nfe);
          expect(Number.isFinite(s.fid) && s.fid >= 0).toBe(true);
          expect(Number.isFinite(s.rmse) && s.rmse > 0).toBe(true);
        }
      }
    }
    // the matched couplings really pair closer than random
    expect(json.pairs).toHaveLength(2);
    for (const p of json.pairs) expect(p.mean_sq_path_after).toBeLessThan(p.mean_sq_path_before);
    const files: string[] = json.files;
    for (const f of [
      'README.md',
      'two-mode-2d-samples.png',
      'two-mode-2d-trajectories.png',
      'two-mode-2d-fid-vs-nfe.png',
      'mnist-fid-vs-nfe.png',
      'mnist-independent.png',
      'mnist-encoder.png',
      'pairs-mnist.png',
      'pairs-two-mode-2d.png',
    ]) {
      expect(files).toContain(f);
      expect(existsSync(join(dir, f))).toBe(true);
      if (f.endsWith('.png')) expect(readFileSync(join(dir, f)).subarray(1, 4).toString()).toBe('PNG');
    }
    const md = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(md).toContain('## Checks');
    expect(md).toContain('## two-mode-2d');
    expect(md).toContain('## mnist');
    expect(md).toContain('| exact OT | Bespoke RK2 |');
    expect(md).toContain('| Sinkhorn | Bespoke RK2 |');
    expect(md).toContain('### Entropic couplings');
    expect(md).toMatch(/\| `sinkhorn` \| Sinkhorn, reg 0\.05 \| [0-9.]+ \|/);
    // every check in the summary is a boolean, one per coupling vs independent and per metric, and sinkhorn's pairs
    expect(Object.values(json.checks).every((v) => typeof v === 'boolean')).toBe(true);
    expect(Object.keys(json.checks)).toHaveLength(2 * (3 + 2) + 2);
    expect(typeof json.checks['two-mode-2d:sinkhorn_pairs_between_ot_and_independent']).toBe('boolean');
  });

  it('resumes: a rerun reuses every finished stage and reports the same numbers', async () => {
    const { code, json } = await runDemo(args);
    expect(code).toBe(0);
    for (const ds of ['two-mode-2d', 'mnist']) {
      for (const coupling of Object.keys(first.datasets[ds])) {
        const r = json.datasets[ds][coupling];
        expect(r.reused).toEqual(['train', 'eval']);
        expect(r.curvature).toBe(first.datasets[ds][coupling].curvature);
        expect(r.solvers).toEqual(first.datasets[ds][coupling].solvers);
      }
    }
  });
});
