import type { CostBackend, PreparedCostInput } from './types';

// A hand-written WGSL cost kernel: each 16 x 16 workgroup computes a 16 x 16 tile of |x|^2 + |z|^2 - 2 x.z,
// staging 16 x 16 slices of x and z in workgroup memory so every loaded value feeds 16 multiply-adds.
// Inputs are centred on the common mean (as on every backend) so the subtraction loses little precision.
// The output is produced in row chunks that fit the device's largest storage binding.

const TILE = 16;

const SHADER = /* wgsl */ `
struct Dims { rows: u32, cols: u32, dim: u32, row0: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> nx: array<f32>;
@group(0) @binding(3) var<storage, read> nz: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> dims: Dims;
var<workgroup> xs: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> zs: array<array<f32, ${TILE}>, ${TILE}>;

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = wg.y * ${TILE}u + lid.y;          // row within this chunk
  let j = wg.x * ${TILE}u + lid.x;          // column
  let gi = dims.row0 + i;
  let zi = wg.x * ${TILE}u + lid.y;         // the z row this thread stages
  var acc = 0.0;
  for (var k0 = 0u; k0 < dims.dim; k0 = k0 + ${TILE}u) {
    let k = k0 + lid.x;
    xs[lid.y][lid.x] = select(0.0, x[gi * dims.dim + k], gi < dims.rows && k < dims.dim);
    zs[lid.y][lid.x] = select(0.0, z[zi * dims.dim + k], zi < dims.cols && k < dims.dim);
    workgroupBarrier();
    for (var t = 0u; t < ${TILE}u; t = t + 1u) {
      acc = fma(xs[lid.y][t], zs[lid.x][t], acc);
    }
    workgroupBarrier();
  }
  if (gi < dims.rows && j < dims.cols) {
    out[i * dims.cols + j] = max(nx[gi] + nz[j] - 2.0 * acc, 0.0);
  }
}`;

// The parts of the WebGPU API used here (Node has no DOM types).
interface GpuBuffer {
  destroy(): void;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}
interface GpuDevice {
  limits: Record<string, number>;
  queue: { writeBuffer(b: GpuBuffer, offset: number, data: ArrayBufferView): void; submit(cmds: unknown[]): void; onSubmittedWorkDone(): Promise<void> };
  createBuffer(d: { size: number; usage: number }): GpuBuffer;
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): { getBindGroupLayout(i: number): unknown };
  createBindGroup(d: { layout: unknown; entries: { binding: number; resource: { buffer: GpuBuffer; offset?: number; size?: number } }[] }): unknown;
  createCommandEncoder(): {
    beginComputePass(): { setPipeline(p: unknown): void; setBindGroup(i: number, g: unknown): void; dispatchWorkgroups(x: number, y: number): void; end(): void };
    copyBufferToBuffer(src: GpuBuffer, so: number, dst: GpuBuffer, doff: number, size: number): void;
    finish(): unknown;
  };
  destroy(): void;
}

const STORAGE = 0x80;
const COPY_DST = 0x8;
const COPY_SRC = 0x4;
const MAP_READ = 0x1;
const UNIFORM = 0x40;

interface Context {
  device: GpuDevice;
  pipeline: ReturnType<GpuDevice['createComputePipeline']>;
  description: string;
  software: boolean;
}
let contextPromise: Promise<Context> | null = null;

async function loadWebgpu(): Promise<typeof import('@flow/webgpu')> {
  return import('@flow/webgpu');
}

function acquire(): Promise<Context> {
  contextPromise ??= (async () => {
    const { requestAdapter, requestDevice } = await loadWebgpu();
    const found = await requestAdapter();
    const device = (await requestDevice(found.adapter)) as GpuDevice;
    const module = device.createShaderModule({ code: SHADER });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    return { device, pipeline, description: found.description, software: found.software };
  })();
  contextPromise.catch(() => {
    contextPromise = null;
  });
  return contextPromise;
}

function centred(src: Float32Array | Float64Array, n: number, dim: number, mean: Float64Array, norms: Float32Array): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = Math.fround(src[i * dim + k]! - mean[k]!);
      out[i * dim + k] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  return out;
}

function storage(device: GpuDevice, data: Float32Array): GpuBuffer {
  const b = device.createBuffer({ size: Math.max(16, data.byteLength), usage: STORAGE | COPY_DST });
  device.queue.writeBuffer(b, 0, data);
  return b;
}

async function computeWebgpu(input: PreparedCostInput, out: Float32Array | Float64Array): Promise<string> {
  const { device, pipeline, description } = await acquire();
  const { rows, cols, dim, mean } = input;
  const nx = new Float32Array(rows);
  const nz = new Float32Array(cols);
  const xb = storage(device, centred(input.x, rows, dim, mean, nx));
  const zb = storage(device, centred(input.z, cols, dim, mean, nz));
  const nxb = storage(device, nx);
  const nzb = storage(device, nz);
  const maxBinding = Math.min(device.limits.maxStorageBufferBindingSize ?? 134217728, device.limits.maxBufferSize ?? 268435456, 256 * 1024 * 1024);
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  const chunkRows = Math.max(TILE, Math.min(Math.ceil(rows / TILE) * TILE, Math.floor(maxBinding / (cols * 4) / TILE) * TILE, maxGroups * TILE));
  const chunkBytes = chunkRows * cols * 4;
  const ob = device.createBuffer({ size: chunkBytes, usage: STORAGE | COPY_SRC });
  const rb = device.createBuffer({ size: chunkBytes, usage: COPY_DST | MAP_READ });
  const ub = device.createBuffer({ size: 16, usage: UNIFORM | COPY_DST });
  try {
    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      const n = Math.min(chunkRows, rows - r0);
      device.queue.writeBuffer(ub, 0, new Uint32Array([rows, cols, dim, r0]));
      const group = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [xb, zb, nxb, nzb, ob, ub].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(Math.ceil(cols / TILE), Math.ceil(n / TILE));
      pass.end();
      enc.copyBufferToBuffer(ob, 0, rb, 0, n * cols * 4);
      device.queue.submit([enc.finish()]);
      await rb.mapAsync(MAP_READ);
      const chunk = new Float32Array(rb.getMappedRange(), 0, n * cols);
      out.set(chunk, r0 * cols);
      rb.unmap();
    }
  } finally {
    for (const b of [xb, zb, nxb, nzb, ob, rb, ub]) b.destroy();
  }
  return `WGSL 16x16 tiled kernel on ${description}`;
}

export const webgpuBackend: CostBackend = {
  name: 'webgpu',
  precisions: ['float32'],
  check: async () => {
    try {
      const ctx = await acquire();
      return { available: true, reason: `WGSL kernel on ${ctx.description}`, software: ctx.software };
    } catch (e) {
      return { available: false, reason: (e as Error).message.split('\n')[0] ?? 'WebGPU unavailable' };
    }
  },
  compute: (input, out) => computeWebgpu(input, out),
};
