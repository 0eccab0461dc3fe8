import { CostInputError } from './cost-input-error';
import { defaultWasmWorkers } from './backend-wasm';
import { allocateCostMatrix, prepareCostInput } from './prepare';
import { checkCostBackend, getCostBackend, pickAutoBackend } from './registry';
import type { CostBackend, CostMatrixOptions, CostMatrixResult } from './types';

const NAMES = ['auto', 'cpu', 'native', 'wasm', 'webgpu', 'gpujs', 'gpujs-webgpu', 'gpujs-webasm', 'gpujs-cpu'];

/**
 * Squared Euclidean distances between the rows of `x` (rows x dim) and of `z` (cols x dim), row-major:
 * `cost[i * cols + j] = |x_i - z_j|^2`, computed as |x|^2 + |z|^2 - 2 x.z on centred inputs, clamped at 0.
 */
export async function computeCostMatrix(
  x: Float32Array | Float64Array,
  z: Float32Array | Float64Array,
  rows: number,
  cols: number,
  dim: number,
  opts: CostMatrixOptions = {},
): Promise<CostMatrixResult> {
  const t0 = performance.now();
  const requested = opts.backend ?? 'auto';
  if (!NAMES.includes(requested)) throw new CostInputError(`backend must be one of ${NAMES.join(', ')}; got '${String(requested)}'`);
  const input = prepareCostInput(x, z, rows, cols, dim, opts.precision ?? 'float32', opts.validate ?? true);
  const workers = opts.workers ?? defaultWasmWorkers();
  if (!Number.isInteger(workers) || workers < 0) throw new CostInputError(`workers must be an integer >= 0, got ${workers}`);
  let backend: CostBackend;
  let reason: string;
  if (requested === 'auto') {
    ({ backend, reason } = await pickAutoBackend(input));
  } else {
    const name = requested === 'gpujs' ? 'gpujs-webasm' : requested;
    const b = getCostBackend(name);
    if (!b) throw new CostInputError(`unknown cost backend '${requested}'`);
    const c = await checkCostBackend(b);
    if (!c.available) throw new CostInputError(`cost backend '${name}' is not available here: ${c.reason}`);
    if (!b.precisions.includes(input.precision)) throw new CostInputError(`cost backend '${name}' computes only ${b.precisions.join(', ')}, not ${input.precision}`);
    const why = b.unsupported?.(input);
    if (why) throw new CostInputError(`cost backend '${name}' cannot take this input: ${why}`);
    backend = b;
    reason = requested === 'gpujs' ? 'requested gpujs (its webasm mode)' : 'requested';
  }
  const cost = allocateCostMatrix(rows, cols, input.precision, opts.memoryLimitBytes);
  const note = await backend.compute(input, cost, workers);
  if (note) reason = `${reason}; ${note}`;
  return { cost, rows, cols, backend: backend.name, reason, seconds: (performance.now() - t0) / 1000 };
}
