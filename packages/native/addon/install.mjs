#!/usr/bin/env node
// Builds the native addon at install time. It never fails the install: without a C++ compiler, Node's headers
// or OpenBLAS it prints one line and records why, and the package then reports `available: false` with that reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build');
const statusFile = path.join(out, 'status.json');
const target = path.join(out, 'flow_native.node');

function finish(available, reason) {
  mkdirSync(out, { recursive: true });
  writeFileSync(statusFile, JSON.stringify({ available, reason }) + '\n');
  console.log(available ? `@flow/native: built (${reason})` : `@flow/native: not built, the native engine is off: ${reason}`);
  process.exit(0);
}

try {
  // A stale addon from an earlier build must not outlive a failed or skipped one (the status would disagree).
  rmSync(target, { force: true });
  if (process.env.FLOW_NATIVE_SKIP_BUILD) finish(false, 'FLOW_NATIVE_SKIP_BUILD is set');
  if (process.platform === 'win32') finish(false, 'Windows builds are not supported yet');
  const headerDirs = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  const headers = headerDirs.find((d) => existsSync(path.join(d, 'node_api.h')));
  if (!headers) finish(false, `Node's headers (node_api.h) not found in ${headerDirs.join(', ')}`);
  const cxx = process.env.CXX || 'g++';
  const probe = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) finish(false, `no C++ compiler (${cxx}); install g++`);
  mkdirSync(out, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  // OpenBLAS is opened at run time (kernels.cc says why); link a probe against it here to know it is present,
  // and record where the linker found it.
  const probeSrc = path.join(out, `probe-${process.pid}.cc`);
  const probeBin = path.join(out, `probe-${process.pid}`);
  writeFileSync(probeSrc, 'extern "C" void cblas_sgemm(); int main() { cblas_sgemm(); return 0; }\n');
  const linked = spawnSync(cxx, [probeSrc, '-o', probeBin, '-lopenblas'], { encoding: 'utf8' });
  rmSync(probeSrc, { force: true });
  rmSync(probeBin, { force: true });
  if (linked.error || linked.status !== 0) finish(false, 'OpenBLAS not found; install it (Debian/Ubuntu: apt-get install libopenblas-dev)');
  const where = spawnSync(cxx, ['-print-file-name=libopenblas.so'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  let lib = '';
  try {
    lib = where.startsWith('/') ? realpathSync(where) : '';
  } catch {
    lib = '';
  }
  const args = [
    '-O3', '-std=c++17', '-fPIC', '-shared', '-fopenmp', '-fvisibility=hidden',
    '-DNODE_GYP_MODULE_NAME=flow_native', `-I${headers}`,
    ...(lib ? [`-DFLOW_OPENBLAS_PATH="${lib}"`] : []),
    path.join(root, 'addon', 'addon.cc'), path.join(root, 'addon', 'kernels.cc'),
    '-o', tmp, '-ldl',
  ];
  const r = spawnSync(cxx, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    rmSync(tmp, { force: true });
    const log = `${r.stderr ?? ''}${r.stdout ?? ''}${r.error ? r.error.message : ''}`;
    if (/omp|gomp/i.test(log)) finish(false, `the compiler (${cxx}) lacks OpenMP support`);
    finish(false, `compiling failed: ${log.split('\n').find((l) => /error/i.test(l)) ?? log.split('\n')[0]}`);
  }
  renameSync(tmp, target);
  finish(true, `${cxx}, OpenBLAS${lib ? ` (${lib})` : ''}, Node headers in ${headers}`);
} catch (e) {
  try {
    finish(false, `build script error: ${e instanceof Error ? e.message : String(e)}`);
  } catch {
    process.exit(0);
  }
}
