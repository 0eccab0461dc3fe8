import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

// The committed kernel (src/cost/wasm-kernel-binary.ts and the .wat files beside the generator) must be what
// scripts/build-wasm.mjs makes from wasm/generate-wat.mjs today. The script runs in a child process because
// it is ESM with top-level await (wabt); --check assembles in memory and writes nothing.
const pkg = path.resolve(__dirname, '..');
const check = (root: string) => spawnSync(process.execPath, [path.join(root, 'scripts/build-wasm.mjs'), '--check'], { encoding: 'utf8' });

describe('committed wasm kernel', () => {
  test('equals a fresh generation and assembly', () => {
    const r = check(pkg);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('up to date: wasm/cost-kernel-simd.wat, wasm/cost-kernel-relaxed.wat, src/cost/wasm-kernel-binary.ts');
    expect(r.status).toBe(0);
  });

  test('the check fails on a binary that differs by one byte', () => {
    // The same depth below a copy of tools/ as in the repository (the script imports ../../../tools/wasm-embed.mjs).
    const tmp = mkdtempSync(path.join(tmpdir(), 'flow-wasm-'));
    const copy = path.join(tmp, 'packages/matching');
    try {
      cpSync(path.join(pkg, '../../tools/wasm-embed.mjs'), path.join(tmp, 'tools/wasm-embed.mjs'));
      for (const d of ['scripts', 'wasm']) cpSync(path.join(pkg, d), path.join(copy, d), { recursive: true });
      symlinkSync(path.join(pkg, 'node_modules'), path.join(copy, 'node_modules'), 'junction');
      mkdirSync(path.join(copy, 'src/cost'), { recursive: true });
      const ts = readFileSync(path.join(pkg, 'src/cost/wasm-kernel-binary.ts'), 'utf8');
      const at = ts.indexOf("WASM_KERNEL_SIMD = '") + 40;
      writeFileSync(path.join(copy, 'src/cost/wasm-kernel-binary.ts'), ts.slice(0, at) + (ts[at] === 'A' ? 'B' : 'A') + ts.slice(at + 1));
      const r = check(copy);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('differs from a fresh build: src/cost/wasm-kernel-binary.ts');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
