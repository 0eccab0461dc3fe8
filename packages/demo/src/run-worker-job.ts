import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@flow/io';
import { initBackend } from '@flow/runtime';
import { runJob, type JobResult, type JobSpec } from './job';
import type { StageUpdate } from './progress';

/**
 * A worker's whole task: the job in `specFile` on the backend the demo resolved and wrote into the spec
 * (never one the worker picks itself), result in `<dir>/result.json`.
 */
export async function runWorkerJob(specFile: string, report: (u: Omit<StageUpdate, 'job'>) => void): Promise<JobResult> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as JobSpec;
  await initBackend(spec.backend);
  const r = await runJob(spec, report);
  writeFileAtomic(path.join(spec.dir, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
  return r;
}
