import { existsSync } from 'node:fs';
import { ndarray, readArrayFile, toFloat32, writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { bitsPerDim, dequantizeUint8, GaussianMixtureFlow, logLikelihood, type DivergenceField, type LikelihoodEstimator, type ProbeDistribution, type VelocityField } from '@flow/solvers';
import { loadVelocityModel } from '@flow/trainer';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

/** Above this many features the default estimator is Hutchinson (exact autodiff replicates the batch d times). */
const EXACT_MAX_DIM = 16;

const usage = `usage: flow likelihood --model M --x X.npy --out LOGP.npy [--estimator exact|hutchinson] [--probes K]
                       [--probe rademacher|gaussian] [--seed S] [--rtol R --atol A] [--batch N] [--json]

log p(x) in nats per row of X under a flow model: integrates dx/dt = v(x, t) from t = 1 (X) back to t = 0
together with the divergence of v (instantaneous change of variables, adaptive dopri5), then
log p(x) = log N(x_0; 0, I) - int_0^1 div v dt. Writes LOGP (float64, length n).

  --model M          gmm:SPEC.json (exact Gaussian-mixture flow, closed-form divergence) or a model
                     directory from flow train
  --x FILE           rows to score (.npy/.npz, batch first), in data space (as flow sample writes them;
                     the run's normalisation is applied and its Jacobian counted). uint8 images (0..255) are
                     dequantised: x = (k + u - 0.5) / 127.5 - 1, u ~ U[0, 1) seeded by --seed
  --estimator E      exact: trace of the Jacobian (closed form for gmm:, else d vector-Jacobian products;
                     default when d <= ${EXACT_MAX_DIM} or gmm:); hutchinson: eps^T J eps over --probes random probes
                     (default otherwise), unbiased, with a standard error
  --probes K         Hutchinson probes per row (default 8)
  --probe P          rademacher (default) or gaussian probe entries
  --seed S           seeds the probes and the dequantisation noise (default 0)
  --rtol R --atol A  dopri5 tolerances on x and the divergence integral (default 1e-5 each)
  --batch N          rows integrated together (default 256; memory does not grow with the number of rows)
  --backend NAME     auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu
  --json             print {mean_log_likelihood, bits_per_dim (image models), nfe, seconds, backend, n, dim,
                     estimator, probes, standard_error (Hutchinson: of the mean), steps, rejected, batches, ...}

bits per dim (image models): (-log p(x) / d + ln 127.5) / ln 2 with x dequantised as above: an upper bound
on the negative log-likelihood of the 8-bit data in bits.`;

interface ScoredModel {
  velocity: VelocityField;
  divergence?: DivergenceField;
  identity: string;
  shape: number[];
  dim: number;
  kind: 'points' | 'image';
  scale: number;
  shift: number;
  dispose(): void;
}

async function loadScoredModel(spec: string): Promise<ScoredModel> {
  if (spec.startsWith('gmm:')) {
    const flow = GaussianMixtureFlow.fromFile(spec.slice(4));
    return { velocity: flow.velocity, divergence: flow.divergence, identity: flow.identity, shape: [flow.dim], dim: flow.dim, kind: 'points', scale: 1, shift: 0, dispose: () => flow.dispose() };
  }
  if (!existsSync(spec)) throw new UsageError(`flow likelihood: --model ${spec}: expected gmm:SPEC.json or a model directory`);
  const m = await loadVelocityModel(spec);
  return { velocity: m.velocity, identity: m.identity, shape: m.shape, dim: m.dim, kind: m.kind, scale: m.normalization.scale, shift: m.normalization.shift, dispose: () => m.dispose() };
}

function pick<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`flow likelihood: --${name} expects one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

export const likelihoodCommand: Command = {
  name: 'likelihood',
  summary: 'log-likelihood (nats per row, bits/dim for images) of data under a flow model',
  usage,
  async run(argv) {
    const { values } = parseOptions('likelihood', argv, {
      model: { type: 'string' },
      x: { type: 'string' },
      out: { type: 'string' },
      estimator: { type: 'string' },
      probes: { type: 'string' },
      probe: { type: 'string' },
      seed: { type: 'string' },
      rtol: { type: 'string' },
      atol: { type: 'string' },
      batch: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    const modelSpec = requireOption('likelihood', 'model', values.model);
    const xPath = requireOption('likelihood', 'x', values.x);
    const outPath = requireOption('likelihood', 'out', values.out);
    let estimator = pick<LikelihoodEstimator>('estimator', values.estimator, ['exact', 'hutchinson']);
    const probe = pick<ProbeDistribution>('probe', values.probe, ['rademacher', 'gaussian']);
    const probes = numberOption('likelihood', 'probes', values.probes, { integer: true, min: 1 });
    if ((probes !== undefined || probe !== undefined) && estimator === 'exact') throw new UsageError('flow likelihood: --probes/--probe apply only to --estimator hutchinson');
    const seed = numberOption('likelihood', 'seed', values.seed, { integer: true, min: 0 }) ?? 0;
    const rtol = numberOption('likelihood', 'rtol', values.rtol, { min: 0 });
    const atol = numberOption('likelihood', 'atol', values.atol, { min: 0 });
    const batchSize = numberOption('likelihood', 'batch', values.batch, { integer: true, min: 1 });
    if (!existsSync(xPath)) throw new UsageError(`flow likelihood: --x ${xPath}: no such file`);

    const backend = await initBackend(values.backend);
    const xa = readArrayFile(xPath);
    if (xa.shape.length < 1 || xa.shape[0]! < 1) throw new UsageError(`${xPath}: expected an array (n, ...) with n >= 1, got shape (${xa.shape.join(', ')})`);
    const model = await loadScoredModel(modelSpec);
    try {
      const n = xa.shape[0]!;
      const raw = toFloat32(xa);
      const dim = raw.length / n;
      if (dim !== model.dim) throw new UsageError(`${xPath}: rows have ${dim} values but the model expects ${model.dim} (shape ${model.shape.join('x')})`);
      const quantised = xa.dtype === 'uint8';
      const x = quantised ? dequantizeUint8(raw, new Rng(seed).fork(1)) : new Float32Array(raw.length);
      for (let k = 0; k < raw.length; k++) {
        const v = quantised ? x[k]! : raw[k]!;
        if (!Number.isFinite(v)) throw new UsageError(`${xPath}: row ${Math.floor(k / dim)} holds a non-finite value`);
        x[k] = (v - model.shift) * model.scale; // data space -> model space
      }
      estimator ??= model.divergence || dim <= EXACT_MAX_DIM ? 'exact' : 'hutchinson';
      if (estimator === 'hutchinson' && probes !== undefined && probes < 2) log('flow likelihood: one probe gives no standard error');
      const xt = tf.tensor(x, [n, ...model.shape]);
      const r = logLikelihood(model.velocity, xt, { estimator, divergence: model.divergence, probes, probe, seed, rtol, atol, batchSize });
      xt.dispose();
      // log p_data(x) = log p_model((x - shift) * scale) + d ln scale
      const jac = dim * Math.log(model.scale);
      const logp = r.logLikelihood.map((v) => v + jac);
      writeNpy(outPath, ndarray('float64', [n], logp));
      const mean = logp.reduce((s, v) => s + v, 0) / n;
      const se = r.standardError ? Math.sqrt(r.standardError.reduce((s, v) => s + v * v, 0)) / n : undefined;
      const summary = {
        mean_log_likelihood: mean,
        ...(model.kind === 'image' ? { bits_per_dim: bitsPerDim(mean, dim), dequantization: quantised ? 'uniform, x = (k + u - 0.5) / 127.5 - 1' : 'none (float input)' } : {}),
        nfe: r.nfe,
        seconds: r.seconds,
        backend: backend.backend,
        n,
        dim,
        estimator,
        ...(estimator === 'hutchinson' ? { probes: r.probes, probe: probe ?? 'rademacher', standard_error: se } : { divergence: model.divergence ? 'closed form' : 'autodiff (d VJPs)' }),
        steps: r.steps,
        rejected: r.rejected,
        batches: r.batches,
        rtol: rtol ?? 1e-5,
        atol: atol ?? 1e-5,
        model: model.identity,
        out: outPath,
      };
      if (values.json) printJson(summary);
      else {
        const bpd = model.kind === 'image' ? `, ${bitsPerDim(mean, dim).toFixed(4)} bits/dim` : '';
        const err = se !== undefined && Number.isFinite(se) ? ` +- ${se.toPrecision(3)}` : '';
        log(`flow likelihood: mean log p(x) ${mean.toFixed(5)}${err} nats over ${n} rows${bpd} (${estimator}; ${r.nfe} evaluations, ${r.seconds.toFixed(2)} s, backend ${backend.backend}); wrote ${outPath}`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
