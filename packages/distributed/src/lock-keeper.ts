import { createRequire } from 'node:module';
import { Worker as Thread } from 'node:worker_threads';

// Runs in its own thread with its own connection, so locks stay alive while the main thread is busy in a
// synchronous solver step. Extends a lock only while it still holds this worker's token.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { Redis } = require(workerData.ioredis);
const redis = new Redis(workerData.url, { maxRetriesPerRequest: null, retryStrategy: (t) => Math.min(200 * t, 2000) });
redis.on('error', () => {});
redis.on('ready', () => parentPort.postMessage({ type: 'ready' }));
const held = new Map();
const EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const timer = setInterval(() => {
  for (const [key, token] of held) redis.eval(EXTEND, 1, key, token, String(workerData.lockMs)).catch(() => {});
}, Math.max(50, Math.floor(workerData.lockMs / 4)));
parentPort.on('message', (m) => {
  if (m.type === 'hold') held.set(m.key, m.token);
  else if (m.type === 'release') held.delete(m.key);
  else if (m.type === 'stop') { clearInterval(timer); redis.disconnect(); parentPort.close(); }
});
`;

/**
 * Keeps BullMQ job locks alive from a separate thread. BullMQ renews locks on the worker's event loop, which a
 * long synchronous batch blocks; then a live worker's job looks stalled and is handed to another worker. With
 * the keeper, only a dead process (whose thread dies with it) lets its locks expire.
 */
export class LockKeeper {
  private readonly thread: Thread;
  private readonly connected: Promise<void>;

  constructor(redisUrl: string, lockMs: number) {
    // __filename: CommonJS, and the ESM build's shim (tsup shims).
    const ioredis = createRequire(__filename).resolve('ioredis');
    this.thread = new Thread(THREAD, { eval: true, workerData: { url: redisUrl, lockMs, ioredis } });
    this.thread.unref();
    this.connected = new Promise<void>((resolve) => {
      this.thread.on('message', (m: { type?: string }) => {
        if (m.type === 'ready') resolve();
      });
    });
  }

  /** Resolves once the keeper's thread is connected to redis: from then on a held lock is extended on time. */
  ready(): Promise<void> {
    return this.connected;
  }

  hold(key: string, token: string): void {
    this.thread.postMessage({ type: 'hold', key, token });
  }

  release(key: string): void {
    this.thread.postMessage({ type: 'release', key });
  }

  async stop(): Promise<void> {
    this.thread.postMessage({ type: 'stop' });
    await new Promise<void>((resolve) => {
      this.thread.once('exit', () => resolve());
      setTimeout(() => void this.thread.terminate().then(() => resolve()), 2000).unref();
    });
  }
}
