import { openSafetensors, SafetensorsWriter, type DType, type NdArray, type SafetensorsReader } from '@flow/io';
import { accumulateWeighted } from './accumulate';
import { EmaInputError } from './errors';
import { solvePosthocCoefficients } from './posthoc-coefficients';
import { listSnapshots, readTensorLayout, type SnapshotInfo, type TensorLayout } from './snapshot-layout';

export interface ReconstructOptions {
  /** A snapshot directory (see snapshot-layout) or an already listed set of snapshots. */
  snapshots: string | readonly SnapshotInfo[];
  /** Target profile width; give this or `gamma`. */
  sigmaRel?: number;
  gamma?: number;
  /** Stopping step: reconstruct the EMA as it would have been at this step. Default: the last snapshot's step. */
  step?: number;
  /** Output safetensors file, written atomically. */
  out: string;
  /** Output dtype for floating tensors; default: the snapshots' own dtype. */
  dtype?: 'float16' | 'bfloat16' | 'float32' | 'float64';
  /** Extra metadata for the output file. */
  metadata?: Record<string, string>;
  /** Called after each tensor with (tensors done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface ReconstructResult {
  out: string;
  step: number;
  sigmaRel: number | null;
  gamma: number;
  /** One weight per snapshot in `snapshots` order (0 for snapshots after `step`). */
  coefficients: number[];
  snapshots: SnapshotInfo[];
  used: number;
  profileError: number;
  tensors: number;
  parameters: number;
  /** Bytes of snapshot data read. */
  bytesRead: number;
}

const FLOAT_DTYPES = new Set<DType>(['float16', 'bfloat16', 'float32', 'float64']);
// Past this many snapshots, files are opened per tensor instead of all at once (file descriptor limits).
const MAX_OPEN_READERS = 256;

function sameLayout(a: TensorLayout, b: TensorLayout, fileA: string, fileB: string): void {
  const byName = new Map(a.map((e) => [e.name, e]));
  if (a.length !== b.length) throw new EmaInputError(`${fileB}: has ${b.length} tensors, ${fileA} has ${a.length}`);
  for (const e of b) {
    const f = byName.get(e.name);
    if (!f) throw new EmaInputError(`${fileB}: tensor '${e.name}' is not in ${fileA}`);
    if (f.dtype !== e.dtype || f.shape.join(',') !== e.shape.join(',')) {
      throw new EmaInputError(`${fileB}: tensor '${e.name}' is ${e.dtype} [${e.shape.join(', ')}], in ${fileA} it is ${f.dtype} [${f.shape.join(', ')}]`);
    }
  }
}

function allocFor(dtype: DType, n: number): Float32Array | Float64Array {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Post-hoc EMA reconstruction (EDM2): the weights of a power-function EMA of any sigma_rel and stopping step,
 * as the solved combination of the stored snapshots. Streams tensor by tensor: for each tensor it reads that
 * tensor from the snapshots, four at a time, into one float64 accumulator and writes it out, so the memory used
 * is about 24 bytes per element of the largest tensor (float32 snapshots), whatever the model's size.
 */
export function reconstructEma(options: ReconstructOptions): ReconstructResult {
  const snapshots = typeof options.snapshots === 'string' ? listSnapshots(options.snapshots) : [...options.snapshots];
  if (snapshots.length === 0) throw new EmaInputError('no snapshots given');
  const step = options.step ?? Math.max(...snapshots.map((s) => s.step));
  if (options.sigmaRel === undefined && options.gamma === undefined) throw new EmaInputError('give sigmaRel or gamma');
  const sol = solvePosthocCoefficients(snapshots, { step, sigmaRel: options.sigmaRel, gamma: options.gamma });
  const usedIdx = sol.coefficients.map((_, i) => i).filter((i) => snapshots[i]!.step <= step);
  const used = usedIdx.map((i) => ({ info: snapshots[i]!, c: sol.coefficients[i]! }));
  const layout = readTensorLayout(used[0]!.info.file);
  for (const u of used.slice(1)) sameLayout(layout, readTensorLayout(u.info.file), used[0]!.info.file, u.info.file);

  const keepOpen = used.length <= MAX_OPEN_READERS;
  const readers: (SafetensorsReader | null)[] = used.map((u) => (keepOpen ? openSafetensors(u.info.file) : null));
  const readTensor = (k: number, name: string): NdArray => {
    const r = readers[k];
    if (r) return r.read(name);
    const once = openSafetensors(used[k]!.info.file);
    try {
      return once.read(name);
    } finally {
      once.close();
    }
  };

  const entries = layout.map((e) => ({
    name: e.name,
    dtype: FLOAT_DTYPES.has(e.dtype) ? (options.dtype ?? e.dtype) : e.dtype,
    shape: e.shape,
  }));
  const metadata: Record<string, string> = {
    ...(options.metadata ?? {}),
    format: 'flow-ema-reconstruction',
    step: String(step),
    gamma: String(sol.gamma),
    ...(options.sigmaRel !== undefined ? { sigma_rel: String(options.sigmaRel) } : {}),
    snapshots_used: String(used.length),
  };
  let parameters = 0;
  let bytesRead = 0;
  const writer = new SafetensorsWriter(options.out, entries, metadata);
  try {
    layout.forEach((e, t) => {
      const n = e.shape.reduce((p, d) => p * d, 1);
      if (!FLOAT_DTYPES.has(e.dtype)) {
        // Integer/bool buffers are not averaged: take them from the latest snapshot used.
        writer.write(e.name, readTensor(used.length - 1, e.name));
        options.onProgress?.(t + 1, layout.length);
        return;
      }
      const acc = new Float64Array(n);
      // Four snapshots' copies of this tensor at a time: one fused pass over the accumulator per group.
      for (let k = 0; k < used.length; k += 4) {
        const cs: number[] = [];
        const ds: (Float32Array | Float64Array)[] = [];
        for (let j = k; j < Math.min(k + 4, used.length); j++) {
          const data = readTensor(j, e.name).data as Float32Array | Float64Array;
          bytesRead += data.byteLength;
          cs.push(used[j]!.c);
          ds.push(data);
        }
        accumulateWeighted(acc, cs, ds);
      }
      const outDtype = entries[t]!.dtype;
      const outData = outDtype === 'float64' ? acc : allocFor(outDtype, n);
      if (outData !== acc) outData.set(acc);
      writer.write(e.name, { dtype: outDtype, shape: e.shape, data: outData });
      parameters += n;
      options.onProgress?.(t + 1, layout.length);
    });
    writer.close();
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    for (const r of readers) r?.close();
  }
  return {
    out: options.out,
    step,
    sigmaRel: options.sigmaRel ?? null,
    gamma: sol.gamma,
    coefficients: sol.coefficients,
    snapshots,
    used: used.length,
    profileError: sol.profileError,
    tensors: layout.length,
    parameters,
    bytesRead,
  };
}
