import { scrubRedisSecrets, startWorker } from '@flow/distributed';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage: flow worker --roots DIR[,DIR...] [--redis URL] [--concurrency C] [options]

Processes flow eval jobs from the Redis queue until stopped (SIGINT/SIGTERM wait for the jobs in progress;
a worker killed outright has its job re-run by another worker once its lock expires). Run any number, on
any machines that see the same paths. See docs/scale.md.

  --roots DIRS       comma-separated directories jobs may read models and references from and write results
                     to; a job naming a path outside them fails without retries
  --redis URL        redis://[:PASSWORD@]HOST:PORT[/DB] or rediss:// (TLS); default $FLOW_REDIS_URL (keeps the
                     password out of the process list). Never printed.
  --concurrency C    jobs at once in this process (default 1)
  --backend B        TensorFlow.js backend (auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu)
  --lock-ms MS       job lock duration (default 30000): how long a dead worker's job waits before it is re-run
                     (a thread of the worker keeps the locks of live jobs alive, however long a batch takes)
  --stalled-ms MS    how often to look for jobs of dead workers (default 30000)`;

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run flow eval jobs from a Redis (BullMQ) queue',
  usage,
  async run(argv) {
    const { values } = parseOptions('worker', argv, {
      redis: { type: 'string' },
      roots: { type: 'string' },
      concurrency: { type: 'string' },
      backend: { type: 'string' },
      'lock-ms': { type: 'string' },
      'stalled-ms': { type: 'string' },
    });
    const url = values.redis ?? process.env.FLOW_REDIS_URL;
    if (!url) throw new UsageError('flow worker: --redis URL (or FLOW_REDIS_URL) is required');
    const roots = requireOption('worker', 'roots', values.roots).split(',').filter((r) => r !== '');
    try {
      const worker = await startWorker({
        redisUrl: url,
        roots,
        concurrency: numberOption('worker', 'concurrency', values.concurrency, { integer: true, min: 1 }),
        backend: values.backend ?? process.env.FLOW_BACKEND,
        lockDurationMs: numberOption('worker', 'lock-ms', values['lock-ms'], { integer: true, min: 100 }),
        stalledIntervalMs: numberOption('worker', 'stalled-ms', values['stalled-ms'], { integer: true, min: 100 }),
        log: (line) => log(`flow worker: ${line}`),
      });
      log(`flow worker: waiting for jobs (roots ${roots.join(', ')})`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          log('flow worker: stopping after the jobs in progress');
          void worker.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    } catch (error) {
      if (error instanceof Error) error.message = scrubRedisSecrets(error.message, url);
      throw error;
    }
  },
};
