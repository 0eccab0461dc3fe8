import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

// The committed elementwise kernels (src/wasm-fused/elementwise-binary.ts and wasm/elementwise.wat) must be what
// scripts/build-wasm.mjs makes from wasm/generate-elementwise-wat.mjs today (--check assembles in memory and
// writes nothing; tools/wasm-embed.mjs, shared with @flow/matching, whose test covers a stale file failing).
describe('committed elementwise wasm kernels', () => {
  test('equal a fresh generation and assembly', () => {
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../scripts/build-wasm.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('up to date: wasm/elementwise.wat, src/wasm-fused/elementwise-binary.ts');
    expect(r.status).toBe(0);
  });
});
