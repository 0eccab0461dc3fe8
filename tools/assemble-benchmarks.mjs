#!/usr/bin/env node
// Builds BENCHMARKS.md from the per-suite tables that `flow-bench <suite> --write` leaves in docs/benchmarks/.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'docs', 'benchmarks');
const order = ['matching', 'matching-greedy', 'solvers', 'train', 'train-pytorch', 'train-pytorch-1thread', 'peak', 'train-webgpu', 'fid', 'ema'];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.md'))
  .sort((a, b) => (order.indexOf(a.slice(0, -3)) + 1 || 99) - (order.indexOf(b.slice(0, -3)) + 1 || 99));
const parts = [
  '# Benchmarks',
  '',
  'Each section is the verbatim output of `pnpm flow-bench <suite> --write` (see `docs/benchmarks/`), with the',
  'machine it ran on and the reference tools measured in the same run. Regenerate this file with',
  '`node tools/assemble-benchmarks.mjs` after rerunning a suite.',
  '',
  // Relative links in the suite files point into docs/benchmarks/; rebase them for the repository root.
  ...files.map((f) => readFileSync(join(dir, f), 'utf8').trim().replace(/\]\((?![a-z]+:|\/|#)([^)]+)\)/g, '](docs/benchmarks/$1)') + '\n'),
];
const out = join(root, 'BENCHMARKS.md');
writeFileSync(out + '.tmp', parts.join('\n'));
renameSync(out + '.tmp', out);
process.stderr.write(`wrote BENCHMARKS.md from ${files.join(', ')}\n`);
