import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { papersSuite } from '../src/suites/papers';
import { ResultStore } from '../src/papers/store';

// `flow-bench papers --quick --write` end to end (CI size, about two minutes on two cores): every claim's code
// path runs, the page has its four sections, tables and figures, and says it is quick. A second call finds
// every piece stored and only redraws the page (the grid is resumable).
describe('flow-bench papers --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'papers-quick-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the grid and writes a labelled page with every claim', async () => {
    const docs = join(dir, 'docs');
    const code = await papersSuite.run({ json: false, quick: true, args: ['--write', '--out', join(dir, 'grid'), '--docs', docs] });
    expect(code).toBe(0);
    const page = readFileSync(join(docs, 'results.md'), 'utf8');
    expect(page).toMatch(/^# \[QUICK MODE\]/);
    expect(page).not.toContain('**Partial**');
    for (const heading of ['## 1. DANSM', '## 2. Minimizing trajectory curvature', '## 3. Bespoke solvers', '## 4. EDM2 post-hoc EMA']) expect(page).toContain(heading);
    for (const png of ['fid-vs-steps', 'fid-vs-nfe', 'two-mode-independent', 'two-mode-encoder', 'bespoke-fid', 'bespoke-rmse', 'fid-vs-sigma']) {
      expect(page).toContain(`results/${png}.png`);
      expect(existsSync(join(docs, 'results', `${png}.png`))).toBe(true);
    }
    // every FID the page reports is a finite number
    const store = new ResultStore(join(dir, 'grid'));
    const fids = store.keys().filter((k) => k.startsWith('fid-') && k !== 'fid-floor').map((k) => store.get<{ fid: number }>(k)!.fid);
    expect(fids.length).toBeGreaterThan(10);
    for (const f of fids) expect(Number.isFinite(f) && f > 0).toBe(true);

    const before = store.keys().length;
    expect(await papersSuite.run({ json: false, quick: true, args: ['--write', '--out', join(dir, 'grid'), '--docs', docs] })).toBe(0);
    expect(store.keys().length).toBe(before);
  }, 900_000);
});
