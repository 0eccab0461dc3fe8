import { spawnSync } from 'node:child_process';

export interface PythonPeer {
  executable: string;
  numpy: string;
  scipy: string;
}

let cached: PythonPeer | null | undefined;

/** Finds python3 with numpy and scipy; the peer columns are skipped when absent. */
export function findPythonPeer(): PythonPeer | null {
  if (cached !== undefined) return cached;
  const executable = process.env.FLOW_BENCH_PYTHON ?? 'python3';
  const r = spawnSync(executable, ['-c', 'import numpy, scipy; print(numpy.__version__, scipy.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) {
    cached = null;
  } else {
    const [numpy = '?', scipy = '?'] = r.stdout.trim().split(/\s+/);
    cached = { executable, numpy, scipy };
  }
  return cached;
}

/**
 * Runs a Python script that prints one JSON object on its last stdout line; returns it.
 * Scripts read their inputs from files (npy) so both sides time the same data.
 */
export function runPython<T>(peer: PythonPeer, script: string, args: string[] = []): T {
  const r = spawnSync(peer.executable, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python peer failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as T;
}
