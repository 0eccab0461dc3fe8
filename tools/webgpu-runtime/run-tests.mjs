#!/usr/bin/env node
// Runs a package's WebGPU tests (`test/webgpu/*.test.mjs`, against the built package) on a WebGPU adapter.
// Dawn can only load in a process started through ./node (the private runtime prefix on Debian 12), and it keeps
// the event loop alive after the work is done, so the tests run in this one process under a small harness that
// exits when they are done: each test file exports `tests`, an array of { name, run }.
// Where no adapter can be had it prints "skipped: no WebGPU adapter" and why; FLOW_WEBGPU_REQUIRED=1 makes
// that a failure. Usage, from a package folder: node ../../tools/webgpu-runtime/run-tests.mjs [name filter]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wrapper = join(here, 'node');
const cwd = process.cwd();
const where = relative(join(here, '../..'), cwd) || '.';
const dir = join(cwd, 'test', 'webgpu');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(dir, f)) : [];
const filter = process.argv[2];

function skip(why) {
  process.stdout.write(`${where}: skipped: no WebGPU adapter (${why}); ${files.length} WebGPU test file(s) not run\n`);
  process.exit(process.env.FLOW_WEBGPU_REQUIRED === '1' ? 1 : 0);
}

// The same adapter request and software test the packages use (@flow/webgpu, built before these tests run).
async function probeAdapter() {
  const { requestAdapter } = await import(pathToFileURL(join(here, '../../packages/webgpu/dist/index.js')).href);
  const found = await requestAdapter({ timeoutMs: 10000 });
  return { name: found.description, software: found.software };
}

async function runHere() {
  let adapter;
  try {
    adapter = await probeAdapter();
  } catch (e) {
    skip(String(e.message).split('\n')[0]);
  }
  process.env.FLOW_WEBGPU_ADAPTER = adapter.name;
  process.env.FLOW_WEBGPU_SOFTWARE = adapter.software ? '1' : '0';
  process.stdout.write(`${where}: WebGPU tests on ${adapter.name}${adapter.software ? ' [software adapter: correctness only, not GPU figures]' : ''}\n`);
  let pass = 0;
  let fail = 0;
  const t0 = performance.now();
  for (const file of files) {
    const { tests } = await import(pathToFileURL(file).href);
    for (const t of tests) {
      if (filter && !t.name.includes(filter)) continue;
      const s = performance.now();
      try {
        await t.run();
        pass++;
        process.stdout.write(`✔ ${relative(cwd, file)} › ${t.name} (${(performance.now() - s).toFixed(0)} ms)\n`);
      } catch (e) {
        fail++;
        process.stdout.write(`✖ ${relative(cwd, file)} › ${t.name}\n  ${String(e?.stack ?? e).split('\n').slice(0, 8).join('\n  ')}\n`);
      }
    }
  }
  // The closing lines of Node's own test runner, so CI reads the counts the same way.
  process.stdout.write(`ℹ tests ${pass + fail}\nℹ pass ${pass}\nℹ fail ${fail}\nℹ duration_ms ${(performance.now() - t0).toFixed(0)}\n`);
  process.exit(fail ? 1 : 0);
}

if (files.length === 0) process.exit(0);
if (process.env.FLOW_WEBGPU_HARNESS === '1') {
  await runHere();
} else {
  // Re-run this script through the wrapper, which exits 3 when no WebGPU runtime is installed.
  const r = spawnSync(wrapper, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    cwd,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, FLOW_WEBGPU_HARNESS: '1' },
  });
  // Dawn's deprecation notice is noise; anything else on stderr is passed on.
  const err = (r.stderr ?? '').split('\n').filter((l) => l && !/DawnExperimentalSubgroupLimits is deprecated/.test(l)).join('\n');
  if (r.status === 3) skip('WebGPU runtime not installed: run tools/webgpu-runtime/install.sh');
  if (err) process.stderr.write(`${err}\n`);
  process.exit(r.status ?? 1);
}
