// A worker process for the tests (started through worker-main.cjs): REDIS_URL ROOTS; one line per event on stdout.
import { startWorker } from '../src/index';

async function main(): Promise<void> {
  const [redisUrl, roots] = process.argv.slice(2);
  const worker = await startWorker({
    redisUrl,
    roots: roots.split(','),
    backend: 'cpu',
    lockDurationMs: Number(process.env.LOCK_MS ?? 1500),
    stalledIntervalMs: Number(process.env.STALLED_MS ?? 500),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write('ready\n');
  const stop = () => void worker.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: Error) => {
  process.stdout.write(`fatal: ${error.message}\n`);
  process.exit(1);
});
