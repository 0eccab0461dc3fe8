import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readNpy, toFloat32 } from '@flow/io';
import { GaussianMixtureFlow } from '../src/gaussian-mixture-flow';

/** Exact flows from SciPy's DOP853, committed with their generator (fixtures/README.md). */
export const REFERENCE = path.resolve(__dirname, '../../../fixtures/gmm-flow');

export interface GmmCase {
  name: string;
  dim: number;
  n: number;
  times: number[];
  flow: GaussianMixtureFlow;
  x0: Float32Array;
  /** T x n x d, float64 */
  trajectory: Float64Array;
  velocity: Float64Array;
  probeT: number;
}

interface CaseJson {
  name: string;
  dim: number;
  n: number;
  spec: string;
  x0: string;
  times: number[];
  trajectory: string;
  velocity_probe: { t: number; file: string };
}

export function caseNames(): string[] {
  return (JSON.parse(readFileSync(path.join(REFERENCE, 'cases.json'), 'utf8')).cases as CaseJson[]).map((c) => c.name);
}

export function loadCase(name: string): GmmCase {
  const c = (JSON.parse(readFileSync(path.join(REFERENCE, 'cases.json'), 'utf8')).cases as CaseJson[]).find((q) => q.name === name);
  if (!c) throw new Error(`no case ${name}`);
  const traj = readNpy(path.join(REFERENCE, c.trajectory));
  const vel = readNpy(path.join(REFERENCE, c.velocity_probe.file));
  return {
    name: c.name,
    dim: c.dim,
    n: c.n,
    times: c.times,
    flow: GaussianMixtureFlow.fromFile(path.join(REFERENCE, c.spec)),
    x0: toFloat32(readNpy(path.join(REFERENCE, c.x0))),
    trajectory: traj.data as Float64Array,
    velocity: vel.data as Float64Array,
    probeT: c.velocity_probe.t,
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, offset = 0): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[offset + i]));
  return m;
}

export function rmsDiff(a: ArrayLike<number>, b: ArrayLike<number>, offset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[offset + i]) ** 2;
  return Math.sqrt(s / a.length);
}
