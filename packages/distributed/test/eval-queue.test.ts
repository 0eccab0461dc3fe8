import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FeatureStatistics, frechetDistance, readStats, writeStats } from '@flow/fid';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { loadSamplingModel } from '../src/sampling-model';
import { LockKeeper } from '../src/lock-keeper';
import { connectRedis, evalRunId, evalStatus, evaluateLocally, normalizeEvalSpec, runDirectory, submitEval, type EvalSpec, type EvalStatus } from '../src/index';
import { sampleModel } from '@flow/trainer';
import { redisServerAvailable, TestRedis } from './redis-server';
import { WorkerProcess } from './worker-process';

const available = redisServerAvailable();
if (!available) {
  // eslint-disable-next-line no-console
  console.warn('SKIPPED @flow/distributed queue tests: redis-server is not installed (apt-get install redis-server); nothing else was run.');
}
const describeRedis = available ? describe : describe.skip;

async function until(what: string, poll: () => Promise<boolean>, timeoutMs = 90000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await poll())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function finished(url: string, id: string): Promise<EvalStatus> {
  let s: EvalStatus | undefined;
  await until(`run ${id}`, async () => {
    s = await evalStatus(url, id);
    return s.state === 'done' || s.state === 'failed';
  });
  return s as EvalStatus;
}

describeRedis('flow eval on a real redis-server with worker processes', () => {
  const root = path.join(tmpdir(), `flow-dist-${process.pid}`);
  const redis = new TestRedis();
  const workers: WorkerProcess[] = [];
  const gmm = path.join(root, 'gmm.json');
  const ref = path.join(root, 'ref.npz');
  const results = path.join(root, 'results');
  const spawnWorker = (name: string) => {
    const w = new WorkerProcess(redis.url, root, name);
    workers.push(w);
    return w;
  };
  const base = (count: number, shards: number, extra: Partial<EvalSpec> = {}): EvalSpec =>
    normalizeEvalSpec({ model: `gmm:${gmm}`, solver: 'heun', nfe: 8, count, shards, seed: 3, extractor: 'identity', ref, results, batch: 50, ...extra });

  beforeAll(async () => {
    mkdirSync(root, { recursive: true });
    writeFileSync(gmm, JSON.stringify({ weights: [0.5, 0.3, 0.2], means: [[2, 0, 0, 1, 0, 0], [-2, 1, 0, 0, 0, 1], [0, -2, 1, 0, 1, 0]], stds: [0.3, 0.5, 0.4] }));
    // Reference: 4,000 exact draws of the mixture, as pytorch-fid statistics (mu, sigma only).
    const rng = new Rng(99);
    const draws = new Float64Array(4000 * 6);
    const means = [[2, 0, 0, 1, 0, 0], [-2, 1, 0, 0, 0, 1], [0, -2, 1, 0, 1, 0]];
    for (let r = 0; r < 4000; r++) {
      const u = rng.uniform();
      const k = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
      for (let j = 0; j < 6; j++) draws[r * 6 + j] = means[k][j] + [0.3, 0.5, 0.4][k] * rng.normal();
    }
    writeStats(ref, new FeatureStatistics(6).add(draws).stats());
    await initBackend('cpu');
    await redis.start();
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await redis.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps a job lock alive from its own thread while the main thread is blocked', async () => {
    const client = connectRedis(redis.url);
    const keeper = new LockKeeper(redis.url, 400);
    try {
      // A loaded machine can take longer than one lock duration to start the thread and connect it.
      await keeper.ready();
      await client.set('bull:test:lock', 'token-1', 'PX', 400);
      await client.set('bull:test:other', 'token-2', 'PX', 400);
      keeper.hold('bull:test:lock', 'token-1');
      keeper.hold('bull:test:other', 'not-its-token');
      await new Promise((r) => setTimeout(r, 100));
      // A synchronous batch: the event loop (where BullMQ renews locks) is stuck for 1.2 s, 3 lock durations.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1200);
      expect(await client.get('bull:test:lock')).toBe('token-1');
      // A lock that another worker's token holds is never extended.
      expect(await client.get('bull:test:other')).toBeNull();
      keeper.release('bull:test:lock');
      await new Promise((r) => setTimeout(r, 800));
      expect(await client.get('bull:test:lock')).toBeNull();
    } finally {
      await keeper.stop();
      client.disconnect();
    }
  });

  it('re-runs the shard of a worker killed with SIGKILL, and gives the single-process FID exactly', async () => {
    // 32 NFE: a shard lasts long enough (hundreds of ms) to be killed in the middle of it.
    const spec = base(4000, 4, { nfe: 32 });
    const a = spawnWorker('A');
    await a.waitFor(/^ready$/);
    const submitted = await submitEval(redis.url, spec, { backoffMs: 200 });
    expect(submitted).toMatchObject({ id: evalRunId(spec), shards: 4, created: true });
    // Killed mid-shard: after it took a shard, before it stored anything.
    const started = await a.waitFor(/^shard \d+\/4 .*started/);
    await a.kill('SIGKILL');
    const killedIndex = Number(/^shard (\d+)/.exec(started)?.[1]);
    expect(existsSync(runDirectory(spec)) ? readdirSync(runDirectory(spec)).filter((f) => f.endsWith('.npz')) : []).toHaveLength(0);
    const b = spawnWorker('B');
    const c = spawnWorker('C');
    const status = await finished(redis.url, submitted.id);
    expect(status.state).toBe('done');
    expect(status.shards).toEqual({ total: 4, done: 4, running: 0, waiting: 0, failed: 0 });
    // The killed worker's shard was picked up by another worker.
    const rerun = [...b.lines, ...c.lines].filter((l) => new RegExp(`^shard ${killedIndex}/4 .*stored`).test(l));
    expect(rerun.length).toBeGreaterThanOrEqual(1);
    const result = status.result!;
    expect(result.count).toBe(4000);

    // One process, the same shards in order: identical to the last bit.
    const local = await evaluateLocally({ ...spec, results: path.join(root, 'local') });
    expect(result.fid).toBe(local.fid);
    // One process, all rows at once (what flow sample + flow fid compute): equal to 1e-9 relative.
    const m = await loadSamplingModel(spec);
    const all = await sampleModel(m.model, { solver: m.solver, nfe: 32, count: 4000, seed: 3 });
    const whole = frechetDistance(new FeatureStatistics(6).add(all.samples).stats(), readStats(ref));
    m.dispose();
    expect(Math.abs(result.fid - whole) / whole).toBeLessThan(1e-9);
    expect(result.fid).toBeGreaterThan(0);
  });

  it('finishes 200 small shards on 4 workers with every shard counted once', async () => {
    for (const n of ['D', 'E']) spawnWorker(n);
    const spec = base(2000, 200, { nfe: 4, solver: 'euler' });
    const { id } = await submitEval(redis.url, spec);
    const status = await finished(redis.url, id);
    expect(status.state).toBe('done');
    expect(status.shards.done).toBe(200);
    expect(status.result!.count).toBe(2000);
    const files = readdirSync(runDirectory(spec)).filter((f) => f.startsWith('shard-'));
    expect(files).toHaveLength(200);
    expect(new Set(files.map((f) => f.slice(6, 11))).size).toBe(200);
    // Every shard completed, by some live worker.
    const done = new Set<number>();
    for (const w of workers) for (const l of w.lines) if (l.includes(id) && /stored/.test(l)) done.add(Number(/^shard (\d+)/.exec(l)?.[1]));
    expect(done.size).toBe(200);
    expect(status.result!.fid).toBe((await evaluateLocally({ ...spec, results: path.join(root, 'local') })).fid);
  });

  it('retries a failing shard with backoff, then reports its error; refuses paths outside its roots', async () => {
    const broken = path.join(root, 'broken.json');
    writeFileSync(broken, '{ "weights": [1], "means": [[0, 0]] ');
    const spec = base(100, 2, { model: `gmm:${broken}` });
    const { id } = await submitEval(redis.url, spec, { attempts: 2, backoffMs: 100 });
    const status = await finished(redis.url, id);
    expect(status.state).toBe('failed');
    expect(status.failures.length).toBeGreaterThan(0);
    expect(status.failures[0]).toMatchObject({ attempts: 2, final: true });
    expect(status.failures[0].error).toMatch(/broken\.json: cannot read a Gaussian-mixture spec/);
    expect(status.message).toMatch(/failed: shard \d: .*resubmit/);
    // Fixed, and submitted again: the failed run is replaced and completes.
    await until('no shard of the failed run running', async () => (await evalStatus(redis.url, id)).shards.running === 0);
    writeFileSync(broken, JSON.stringify({ weights: [1], means: [[0, 0, 0, 0, 0, 0]], stds: [1] }));
    expect((await submitEval(redis.url, spec)).created).toBe(true);
    expect((await finished(redis.url, id)).state).toBe('done');

    const outside = normalizeEvalSpec({ ...base(100, 2), model: `gmm:${path.join(tmpdir(), 'elsewhere', 'gmm.json')}` });
    const refused = await finished(redis.url, (await submitEval(redis.url, outside)).id);
    expect(refused.state).toBe('failed');
    expect(refused.failures[0]).toMatchObject({ attempts: 1, final: true });
    expect(refused.failures[0].error).toMatch(/outside this worker's roots/);
  });

  it('says what to resubmit after Redis restarts, and a resubmission reuses the stored shards', async () => {
    const spec = base(400, 4);
    const { id } = await submitEval(redis.url, spec);
    await finished(redis.url, id);
    await redis.stop();
    await redis.start();
    const lost = await evalStatus(redis.url, id);
    expect(lost.state).toBe('missing');
    expect(lost.message).toMatch(/Redis restarted .*Resubmit the same flow eval submit command/);
    const again = await submitEval(redis.url, spec);
    expect(again.created).toBe(true);
    const status = await finished(redis.url, id);
    expect(status.state).toBe('done');
    const reused = workers.flatMap((w) => w.lines).filter((l) => l.includes(id) && /already stored/.test(l));
    expect(reused).toHaveLength(4);
    // The password never reaches a log line.
    expect(workers.flatMap((w) => w.lines).some((l) => l.includes(redis.password))).toBe(false);
  });
});
