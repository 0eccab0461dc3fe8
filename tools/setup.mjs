#!/usr/bin/env node
// Brings a fresh clone to a runnable state with only Node.js 20 and npm: pnpm comes through npx,
// dependencies from the lockfile, then every package is built (turbo caches what is unchanged).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => {
  process.stderr.write(`[setup] ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (r.status !== 0) {
    process.stderr.write(`[setup] failed: ${cmd} ${args.join(' ')} (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
};

const pnpm = ['-y', 'pnpm@10'];

run('npx', [...pnpm, 'install', '--frozen-lockfile']);
run('npx', [...pnpm, 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
