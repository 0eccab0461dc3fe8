// The demo's worker process: `node demo-worker.js JOB.json`, started by runDemo (see run-in-worker.ts).
import { runWorkerJob } from './run-worker-job';

// the demo that started this worker is gone (killed): stop too, the next run resumes from checkpoints
process.on('disconnect', () => process.exit(1));
runWorkerJob(process.argv[2] ?? '', (u) => process.send?.(u)).then(
  () => {
    // the disconnect listener holds the IPC channel open: let go so the process can exit
    process.removeAllListeners('disconnect');
    if (process.connected) process.disconnect();
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
