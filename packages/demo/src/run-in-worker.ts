import { fork } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@flow/io';
import type { JobSpec } from './job';
import type { StageUpdate } from './progress';

/** How a worker process starts: the script and node flags (defaults: the package's built worker, this process's flags). */
export interface WorkerLaunch {
  script?: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * The built worker beside this module: `dist/demo-worker.js` beside the ESM build, `.cjs` beside the CommonJS
 * one (and beside a single-file bundle that ships it, see tools/bundle-offline.mjs).
 */
export function demoWorkerScript(): string {
  return path.join(path.dirname(__filename), `demo-worker${path.extname(__filename)}`);
}

/** Whether worker processes can start: the worker is built JavaScript (from TypeScript sources, e.g. under jest, it is not). */
export function canFork(): boolean {
  const script = demoWorkerScript();
  return /\.[cm]?js$/.test(script) && existsSync(script);
}

/** Runs one job in a worker process (spec in `<dir>/job.json`, progress over IPC, result in `<dir>/result.json`). */
export function runInWorker(spec: JobSpec, onUpdate: (u: Omit<StageUpdate, 'job'>) => void, launch: WorkerLaunch = {}): Promise<void> {
  const specFile = path.join(spec.dir, 'job.json');
  mkdirSync(spec.dir, { recursive: true });
  writeFileAtomic(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  return new Promise((resolve, reject) => {
    const child = fork(launch.script ?? demoWorkerScript(), [specFile], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: launch.execArgv ?? process.execArgv,
      ...(launch.env ? { env: launch.env } : {}),
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('message', (m: Omit<StageUpdate, 'job'>) => onUpdate(m));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`demo job ${spec.id} failed (exit ${code ?? signal}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
