import { loadavg } from 'node:os';
import { loadMnistDigits } from '@flow/data';
import { featureStatistics, frechetDistance, MnistExtractor, type ImageBatch } from '@flow/fid';
import { initBackend } from '@flow/runtime';
import type { SolverName } from '@flow/solvers';
import { loadVelocityModel, sampleModel } from '@flow/trainer';
import { describeMachine } from '../machine';
import { err as log, writeSuiteReport } from '../report';
import type { Suite } from '../suite';
import { markdownTable, type Cell } from '../table';

function arg(args: string[], name: string): string | undefined {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

/** [-1, 1] model-space images (n x 28 x 28 x 1) as the extractor's [0, 1] batch. */
function toBatch(samples: Float32Array, count: number): ImageBatch {
  const data = new Float32Array(samples.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, (samples[i]! + 1) / 2));
  return { data, count, height: 28, width: 28, channels: 1 };
}

/**
 * `flow-bench guidance --model=RUN`: a class-conditional MNIST run (flow train --conditional) sampled with
 * `--class all` at several guidance weights W; the built-in MNIST classifier of @flow/fid (the network behind
 * the `mnist` FID extractor, 96.4% on its held-out digits) says how many samples of each class it reads as
 * that class, and the FID (same extractor) is taken against the 10,000 digits of the `mnist` package.
 */
export const guidanceSuite: Suite = {
  name: 'guidance',
  summary: 'classifier-free guidance on a conditional MNIST run: per-class accuracy (built-in MNIST classifier) and FID vs W',
  async run({ json, quick, args }) {
    const dir = arg(args, 'model');
    if (!dir) {
      log('flow-bench guidance: --model=RUN (a run of flow train --dataset mnist --conditional) is required');
      return 2;
    }
    const weights = (arg(args, 'weights') ?? (quick ? '0,1,2' : '0,1,2,3')).split(',').map(Number);
    const perClass = Number(arg(args, 'per-class') ?? (quick ? 10 : 50));
    const solver = (arg(args, 'solver') ?? 'midpoint') as SolverName;
    const nfe = Number(arg(args, 'nfe') ?? 16);
    const seed = Number(arg(args, 'seed') ?? 0);
    const backend = await initBackend(process.env.FLOW_BACKEND);
    const model = await loadVelocityModel(dir);
    const classes = model.conditional?.classes;
    if (!classes || model.shape.join(',') !== '28,28,1') {
      log(`flow-bench guidance: ${dir} is not a class-conditional 28x28 MNIST run`);
      model.dispose();
      return 2;
    }
    const extractor = new MnistExtractor();
    const digits = loadMnistDigits().digits;
    const reference = featureStatistics(await extractor.extract(toBatch(digits, digits.length / 784)), extractor.dim, 'mnist digits');
    const count = perClass * classes;
    /** Per-class share of rows the classifier reads as their label, and the FID of the rows. */
    const score = async (batch: ImageBatch, labels: Int32Array) => {
      const logits = extractor.logits(batch);
      const hits = new Array<number>(classes).fill(0);
      const totals = new Array<number>(classes).fill(0);
      for (let i = 0; i < batch.count; i++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
        const label = labels[i]!;
        totals[label]!++;
        if (best === label) hits[label]!++;
      }
      const fid = frechetDistance(featureStatistics(await extractor.extract(batch), extractor.dim, 'samples'), reference);
      return { accuracy: hits.reduce((a, b) => a + b, 0) / batch.count, perClass: hits.map((h, c) => h / totals[c]!), fid };
    };
    const rows: { w: number | 'data'; accuracy: number; perClass: number[]; fid: number; seconds: number; nfe: number }[] = [];
    // the floor: the first `count` real digits (interleaved by class, so balanced) scored the same way
    const real = await score(toBatch(digits.subarray(0, count * 784), count), loadMnistDigits().labels.subarray(0, count));
    rows.push({ w: 'data', ...real, seconds: 0, nfe: 0 });
    log(`guidance: ${count} real digits: accuracy ${(real.accuracy * 100).toFixed(1)}%, FID ${real.fid.toFixed(2)}`);
    for (const w of weights) {
      const r = await sampleModel(model, { solver, nfe, count, seed, class: 'all', guidance: w });
      const row = { w, ...(await score(toBatch(r.samples, count), r.labels!)), seconds: r.seconds, nfe: r.nfe };
      log(`guidance: W ${w}: accuracy ${(row.accuracy * 100).toFixed(1)}% (min class ${(Math.min(...row.perClass) * 100).toFixed(0)}%), FID ${row.fid.toFixed(2)}, ${r.seconds.toFixed(1)} s`);
      rows.push(row);
    }
    model.dispose();
    const step = model.step !== null ? `step ${model.step}` : model.weightsFile;
    if (json) {
      process.stdout.write(`${JSON.stringify({ model: dir, step: model.step, solver, nfe, per_class: perClass, seed, backend: backend.backend, rows })}\n`);
      return 0;
    }
    const header = ['W', 'accuracy', 'min class', ...Array.from({ length: classes }, (_, c) => String(c)), `FID (${count})`, 'seconds'];
    const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
    const table: Cell[][] = rows.map((r) => [r.w, pct(r.accuracy), pct(Math.min(...r.perClass)), ...r.perClass.map(pct), r.fid, r.seconds]);
    const markdown = [
      '# flow-bench guidance',
      '',
      '## Classifier-free guidance on class-conditional MNIST',
      '',
      `${describeMachine()}; load average at start ${loadavg()[0].toFixed(1)}; backend ${backend.backend}`,
      '',
      `model: ${dir} (${step}, ${model.parameters} parameters); ${perClass} samples per class (flow sample --class all), ${solver} at ${nfe} NFE, seed ${seed}; ` +
        'v = v_uncond + W (v_cond - v_uncond). Accuracy: share of the samples of each class that the built-in MNIST classifier of @flow/fid ' +
        '(the network of the `mnist` FID extractor) reads as that class. FID: same extractor, against the 10,000 digits of the `mnist` package ' +
        `(${count} samples, so it is biased upwards; compare rows, not other tables). Row \`data\`: the first ${count} real digits scored the same way: the FID floor at this sample size, and the classifier's accuracy on digits it mostly saw in training (8,500 of the 10,000 digits; 96.4% on its 1,500 held-out ones).`,
      '',
      markdownTable(header, table),
      '',
    ].join('\n');
    process.stdout.write(`${markdown}\n`);
    if (args.includes('--write')) writeSuiteReport('guidance', markdown);
    return 0;
  },
};
