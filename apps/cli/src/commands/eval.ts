import { evalStatus, evaluateLocally, redactRedisUrl, scrubRedisSecrets, submitEval, type EvalSpec, type EvalStatus } from '@flow/distributed';
import { initBackend } from '@flow/runtime';
import { formatDuration } from '@flow/progress';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log, printJobJson as printJson } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage: flow eval submit --model M --solver S --nfe N --count N --shards K --ref STATS.npz [--redis URL] [options]
       flow eval status --id RUN [--redis URL] [--json]
       flow eval result --id RUN [--redis URL]
       flow eval run --model M --solver S --nfe N --count N --shards K --ref STATS.npz [options]

FID of a model over many machines: submit enqueues K shard jobs and a merge job on a BullMQ queue in Redis;
flow worker processes (any number, anywhere that sees the same paths) sample each shard's rows, extract
features and store the shard's statistics in the results directory; the merge job computes the FID. Shards
are exact: the result does not depend on which worker ran what, and equals one process running the same K
shards (flow eval run) bit for bit, and the unsharded statistics to float rounding. See docs/scale.md.

  --model M          a run directory of flow train, or gmm:SPEC.json
  --solver S         euler | midpoint | heun | rk4 | bespoke:PARAMS.json (fixed steps)
  --nfe N            velocity evaluations per sample
  --count N          samples in all (EDM2's protocol: 50000)
  --shards K         shard jobs (rows [floor(i N/K), floor((i+1) N/K)) each)
  --ref STATS.npz    reference statistics (flow fid --save-stats of the real data, same extractor)
  --extractor E      auto (default: mnist for one-channel images, identity for points) | mnist | identity | tfjs:PATH
  --seed N           noise seed (default 0)
  --batch N          samples integrated at once by a worker (speed only; default 32 images, 4096 points)
  --results DIR      shared results directory (default DIR/evals of the model); RESULTS/RUN/ holds the shards,
                     stats.npz (mergeable) and result.json
  --attempts N       tries per shard before it fails for good (default 3; retries back off exponentially)
  --redis URL        redis://[:PASSWORD@]HOST:PORT[/DB] or rediss:// (TLS); default $FLOW_REDIS_URL, which keeps
                     the password out of the process list. Never printed.
  --id RUN           the run id that submit printed (a hash of the spec: resubmitting the same spec reuses it)
  --backend B        flow eval run: TensorFlow.js backend
  --json             submit/status: one JSON object on stdout (result always prints JSON)`;

const specOptions = {
  model: { type: 'string' },
  solver: { type: 'string' },
  nfe: { type: 'string' },
  count: { type: 'string' },
  shards: { type: 'string' },
  ref: { type: 'string' },
  extractor: { type: 'string' },
  seed: { type: 'string' },
  batch: { type: 'string' },
  results: { type: 'string' },
  attempts: { type: 'string' },
  redis: { type: 'string' },
  id: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseOptions<typeof specOptions>>['values'];

function specFrom(values: Values): Partial<EvalSpec> {
  const int = (name: keyof Values, min: number) => numberOption('eval', name, values[name] as string | undefined, { integer: true, min });
  return {
    model: requireOption('eval', 'model', values.model),
    solver: requireOption('eval', 'solver', values.solver),
    nfe: requireOption('eval', 'nfe', int('nfe', 1)),
    count: requireOption('eval', 'count', int('count', 1)),
    shards: requireOption('eval', 'shards', int('shards', 1)),
    ref: requireOption('eval', 'ref', values.ref),
    extractor: values.extractor,
    seed: int('seed', 0),
    batch: int('batch', 1),
    results: values.results,
  };
}

function redisUrl(values: Values): string {
  const url = values.redis ?? process.env.FLOW_REDIS_URL;
  if (!url) throw new UsageError('flow eval: --redis URL (or FLOW_REDIS_URL) is required');
  return url;
}

function duration(seconds: number | null): string {
  return seconds === null ? 'unknown' : formatDuration(seconds);
}

function statusText(s: EvalStatus): string {
  const lines = [`run ${s.id}: ${s.state}`];
  if (s.shards.total > 0) {
    lines.push(`  shards: ${s.shards.done}/${s.shards.total} done, ${s.shards.running} running, ${s.shards.waiting} waiting, ${s.shards.failed} failed; elapsed ${duration(s.elapsedSeconds)}, ETA ${duration(s.etaSeconds)}`);
  }
  for (const f of s.failures) lines.push(`  shard ${f.index}: ${f.final ? 'failed' : 'retrying'} after ${f.attempts} attempt(s): ${f.error}`);
  if (s.result) lines.push(`  FID ${s.result.fid} (${s.result.count} samples, ${s.result.extractor} features, d = ${s.result.dim})`);
  if (s.message) lines.push(`  ${s.message}`);
  return lines.join('\n');
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'sharded FID on a Redis job queue (submit, status, result) or in one process (run)',
  usage,
  async run(argv) {
    const [action, ...rest] = argv;
    if (!['submit', 'status', 'result', 'run'].includes(action ?? '')) throw new UsageError(`flow eval: expected submit, status, result or run, got '${action ?? ''}'`);
    const { values } = parseOptions('eval', rest, specOptions);
    if (action === 'run') {
      const info = await initBackend(values.backend ?? process.env.FLOW_BACKEND);
      log(`flow eval: backend ${info.backend} (${info.reason})`);
      printJson({ ...(await evaluateLocally(specFrom(values))) });
      return 0;
    }
    const url = redisUrl(values);
    try {
      if (action === 'submit') {
        const attempts = numberOption('eval', 'attempts', values.attempts, { integer: true, min: 1 });
        const s = await submitEval(url, specFrom(values), { attempts });
        if (values.json) printJson({ ...s, redis: redactRedisUrl(url) });
        else {
          process.stdout.write(`${s.id}\n`);
          log(`flow eval: ${s.created ? 'queued' : 'already queued'} ${s.shards} shards on ${redactRedisUrl(url)}; results in ${s.results}/${s.id}`);
        }
        return 0;
      }
      const id = requireOption('eval', 'id', values.id);
      const status = await evalStatus(url, id);
      if (action === 'status') {
        if (values.json) printJson({ ...status });
        else process.stdout.write(`${statusText(status)}\n`);
        return status.state === 'failed' || status.state === 'missing' ? 1 : 0;
      }
      if (!status.result) {
        log(statusText(status));
        return 1;
      }
      printJson({ ...status.result });
      return 0;
    } catch (error) {
      if (error instanceof Error) error.message = scrubRedisSecrets(error.message, url);
      throw error;
    }
  },
};
