import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertInsideRoots } from './check-roots';
import { normalizeEvalSpec } from './eval-spec';

describe('assertInsideRoots', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flow-roots-'));
  const root = path.join(dir, 'models');
  const outside = path.join(dir, 'secret');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(root, 'gmm.json'), '{}');
  writeFileSync(path.join(outside, 'gmm.json'), '{}');
  symlinkSync(outside, path.join(root, 'link'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts paths inside a root, including outputs not created yet', () => {
    expect(() => assertInsideRoots([path.join(root, 'gmm.json'), path.join(root, 'results', 'new', 'x')], [outside, root])).not.toThrow();
  });

  it('refuses .., absolute paths elsewhere and symbolic links out of the root', () => {
    for (const p of [path.join(root, '..', 'secret', 'gmm.json'), path.join(outside, 'gmm.json'), path.join(root, 'link', 'gmm.json'), '/etc/passwd']) {
      expect(() => assertInsideRoots([p], [root])).toThrow(/outside this worker's roots/);
    }
  });

  it('normalizes specs: absolute paths, fixed-step solvers only', () => {
    const spec = normalizeEvalSpec({ model: 'gmm:m.json', solver: 'heun', nfe: 8, count: 10, shards: 2, ref: 'r.npz', results: 'out' }, '/data');
    expect(spec).toMatchObject({ model: 'gmm:/data/m.json', ref: '/data/r.npz', results: '/data/out', seed: 0, extractor: 'auto' });
    expect(() => normalizeEvalSpec({ ...spec, solver: 'dopri5' })).toThrow(/fixed steps/);
    expect(() => normalizeEvalSpec({ ...spec, shards: 11 })).toThrow(/must not exceed/);
  });
});
