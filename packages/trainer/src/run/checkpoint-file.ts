import { readSafetensors, writeSafetensors, type NdArray } from '@flow/io';
import type { CouplingSnapshot } from '@flow/matching';
import type { RngState } from '@flow/random';
import type { RunCheckpoint } from './run-checkpoint';

/**
 * The one place that knows how a checkpoint lies in its safetensors file: tensors named `<group>/<owner>/<name>`
 * (groups `param`, `buffer`, `adam_m`, `adam_v`, `state`; owners `net`, `coupling`, `sampler`, `ema`) and the
 * JSON-safe state in the metadata. Only the run module (run-directory.ts) uses it.
 */
export const CHECKPOINT_FORMAT = 'flow-trainer-checkpoint/1';

/** The JSON state in a checkpoint's metadata (field names are part of the file format). */
interface StoredState {
  timeRng: RngState;
  netRng?: RngState;
  /** Label-dropout stream of a conditional run. */
  labelRng?: RngState;
  sampler: Record<string, unknown>;
  coupling: Record<string, unknown>;
  ema?: Record<string, unknown>;
  backend?: string;
}

function put(into: Record<string, NdArray>, prefix: string, record: Record<string, NdArray>): void {
  for (const [k, v] of Object.entries(record)) into[`${prefix}/${k}`] = v;
}

function take(from: Record<string, NdArray>, prefix: string): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const [k, v] of Object.entries(from)) if (k.startsWith(`${prefix}/`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

/** Coupling state arrays (typed arrays in `@flow/matching`) as 1-D tensors, and back. */
function couplingArraysToNd(arrays: CouplingSnapshot['arrays']): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const [k, a] of Object.entries(arrays)) {
    const dtype = a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'uint8';
    out[k] = { dtype, shape: [a.length], data: a };
  }
  return out;
}

function couplingArraysFromNd(arrays: Record<string, NdArray>, file: string): CouplingSnapshot['arrays'] {
  const out: CouplingSnapshot['arrays'] = {};
  for (const [k, a] of Object.entries(arrays)) {
    const d = a.data;
    if (d instanceof Float32Array || d instanceof Int32Array || d instanceof Uint8Array) out[k] = d;
    else throw new Error(`${file}: coupling state '${k}' has dtype ${a.dtype}, expected float32, int32 or uint8`);
  }
  return out;
}

/** Writes a checkpoint to `file` atomically (temp file + rename inside @flow/io). */
export function writeCheckpointFile(file: string, c: RunCheckpoint): void {
  const tensors: Record<string, NdArray> = {};
  put(tensors, 'param/net', c.net.params);
  put(tensors, 'param/coupling', c.coupling.params);
  put(tensors, 'buffer/net', c.net.buffers);
  put(tensors, 'adam_m/net', c.net.adamM);
  put(tensors, 'adam_m/coupling', c.coupling.adamM);
  put(tensors, 'adam_v/net', c.net.adamV);
  put(tensors, 'adam_v/coupling', c.coupling.adamV);
  put(tensors, 'state/sampler', c.sampler.arrays);
  put(tensors, 'state/coupling', couplingArraysToNd(c.coupling.state.arrays));
  if (c.ema) put(tensors, 'state/ema', c.ema.arrays);
  const state: StoredState = {
    timeRng: c.rng.time,
    ...(c.rng.net ? { netRng: c.rng.net } : {}),
    ...(c.rng.labels ? { labelRng: c.rng.labels } : {}),
    sampler: c.sampler.meta,
    coupling: c.coupling.state.meta,
    ...(c.ema ? { ema: c.ema.meta } : {}),
    ...(c.backend !== undefined ? { backend: c.backend } : {}),
  };
  writeSafetensors(file, tensors, { format: CHECKPOINT_FORMAT, step: String(c.step), state: JSON.stringify(state) });
}

/** Reads and validates one checkpoint file; throws on anything incomplete. */
export function readCheckpointFile(file: string): RunCheckpoint {
  const { metadata, tensors } = readSafetensors(file);
  if (metadata.format !== CHECKPOINT_FORMAT) throw new Error(`${file}: not a flow trainer checkpoint (format '${metadata.format ?? ''}')`);
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new Error(`${file}: bad step '${metadata.step}'`);
  const state = JSON.parse(metadata.state ?? 'null') as StoredState | null;
  if (state === null || typeof state !== 'object') throw new Error(`${file}: missing training state`);
  const group = (owner: string) => ({ params: take(tensors, `param/${owner}`), adamM: take(tensors, `adam_m/${owner}`), adamV: take(tensors, `adam_v/${owner}`) });
  const net = group('net');
  const coupling = group('coupling');
  for (const g of [net, coupling]) {
    for (const k of Object.keys(g.params)) if (!g.adamM[k] || !g.adamV[k]) throw new Error(`${file}: optimiser state for '${k}' is missing`);
  }
  const ema = take(tensors, 'state/ema');
  return {
    step,
    net: { ...net, buffers: take(tensors, 'buffer/net') },
    coupling: { ...coupling, state: { meta: state.coupling, arrays: couplingArraysFromNd(take(tensors, 'state/coupling'), file) } },
    rng: { time: state.timeRng, ...(state.netRng ? { net: state.netRng } : {}), ...(state.labelRng ? { labels: state.labelRng } : {}) },
    sampler: { meta: state.sampler, arrays: take(tensors, 'state/sampler') },
    ...(state.ema ? { ema: { meta: state.ema, arrays: ema } } : {}),
    ...(state.backend !== undefined ? { backend: state.backend } : {}),
  };
}

/**
 * The network's weights and buffers in a weights file: an export named like the network's variables (what
 * `flow ema reconstruct` writes), or one with checkpoint-style `param/net/<name>` / `buffer/net/<name>` names.
 */
export function readNetWeightsFile(file: string): { params: Record<string, NdArray>; buffers: Record<string, NdArray> } {
  const { tensors } = readSafetensors(file);
  const params: Record<string, NdArray> = {};
  const buffers = take(tensors, 'buffer/net');
  for (const [k, v] of Object.entries(tensors)) {
    if (k.startsWith('buffer/net/')) continue;
    const name = k.startsWith('param/net/') ? k.slice('param/net/'.length) : k.startsWith('net/') ? k.slice('net/'.length) : k;
    params[name] = v;
  }
  return { params, buffers };
}

/** Writes exported network weights (and buffers) to `file`, in the layout `readNetWeightsFile` reads. */
export function writeNetWeightsFile(file: string, params: Record<string, NdArray>, buffers: Record<string, NdArray>, metadata: Record<string, string> = {}): void {
  const tensors: Record<string, NdArray> = { ...params };
  put(tensors, 'buffer/net', buffers);
  writeSafetensors(file, tensors, metadata);
}
