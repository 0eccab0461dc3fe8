import { importMemoryAsShared } from '../wasm-threads/shared-heap';
import { validatesRelaxed, webAssembly, type CompiledModule } from '../wasm-threads/wasm-global';
import { ELEMENTWISE_WASM, ELEMENTWISE_WASM_FMA } from './elementwise-binary';

/** The exports of wasm/generate-elementwise-wat.mjs's module (byte offsets; counts in f32x4 vectors / pixels, >= 1). */
export interface ElementwiseExports {
  mp_silu(x: number, y: number, n: number): void;
  mp_silu_grad(x: number, dy: number, dx: number, n: number): void;
  mp_silu_mod(x: number, s: number, y: number, pixels: number, c4: number): void;
  mp_silu_mod_grad(x: number, s: number, dy: number, dx: number, ds: number, pixels: number, c4: number): void;
  mp_sum(a: number, b: number, y: number, n: number, ca: number, cb: number): void;
  clip_grad(x: number, dy: number, dx: number, n: number, lo: number, hi: number): void;
  scale_rows(src: number, dst: number, rows: number, n4: number, srcStride: number, dstStride: number, scale: number): void;
  pad_rows(src: number, dst: number, rows: number, n4: number, left4: number, right4: number, srcStride: number, dstStride: number): void;
  pad_rows_act(src: number, dst: number, rows: number, w: number, c4: number, left4: number, right4: number, srcStride: number, dstStride: number, scales: number): void;
  down2x(src: number, dst: number, rows: number, ow: number, c4: number, rowStride: number, scale: number): void;
  up2x(src: number, dst: number, rows: number, w: number, c4: number, scale: number): void;
  col_sums(w: number, dy: number, acc: number, rows: number, c4: number, dot: number): void;
  col_scale(w: number, dy: number, a: number, b: number, y: number, rows: number, c4: number): void;
  row_normalize(x: number, y: number, rows: number, c4: number, eps: number, rc: number): void;
  row_normalize_grad(x: number, dy: number, dx: number, rows: number, c4: number, eps: number, rc: number): void;
  wino_in(src: number, v: number, tiles: number, c4: number, rowStride: number, slabStride: number): void;
  wino_out(m: number, y: number, tiles: number, c4: number, tileStride: number, slabStride: number, rowStride: number): void;
  wino_dy(src: number, e: number, tiles: number, c4: number, rowStride: number, slabStride: number, tileStride: number): void;
  wino_filter(w: number, u: number, c: number, co4: number, slab: number, ciStride: number, coStride: number, tapStride: number): void;
  wino_filter_gather(w: number, u: number, c: number, co4: number, slab: number, ciStride: number, coStride: number, tapStride: number): void;
  wino_filter_back(p: number, dw: number, ci: number, ranges: number, rangeStride: number, slab: number, pCi: number, dwCi: number, tap: number, co4: number): void;
  copy_rows(src: number, dst: number, rows: number, n4: number, rem: number, srcStride: number, dstStride: number): void;
  wino4_in(src: number, v: number, tiles: number, c4: number, rowStride: number, slabStride: number): void;
  wino4_out(m: number, y: number, tiles: number, c4: number, tileStride: number, slabStride: number, rowStride: number): void;
  wino4_filter(w: number, u: number, c: number, co4: number, slab: number, ciStride: number, coStride: number, tapStride: number): void;
  wino4_filter_gather(w: number, u: number, c: number, co4: number, slab: number, ciStride: number, coStride: number, tapStride: number): void;
  wino4_dy(src: number, e: number, tiles: number, c4: number, rowStride: number, slabStride: number, tileStride: number): void;
  wino4_filter_back(p: number, dw: number, ci: number, ranges: number, rangeStride: number, slab: number, pCi: number, dwCi: number, tap: number, co4: number): void;
  pack_t(src: number, dst: number, outer: number, depth: number, outerStride: number, panelDepth: number): void;
}

/** What the tfjs wasm backend exposes of its Emscripten module: the heap's WebAssembly.Memory. */
interface TfjsWasmModule {
  asm?: { memory?: object };
}

const instances = new WeakMap<object, ElementwiseExports>();
let sharedModule: CompiledModule | undefined;
let chosen: { bytes: Uint8Array; fma: boolean } | undefined;

/**
 * The module's binary: the variant whose sigmoid uses relaxed-SIMD fused multiply-adds where the runtime has
 * them (about 1.5x faster mp_silu and its gradients, within the same 2e-6 of float64), else plain SIMD128. One
 * choice per process, so every thread computes the same bits.
 */
export function elementwiseBinary(): { bytes: Uint8Array; fma: boolean } {
  if (!chosen) {
    const fmaBytes = new Uint8Array(Buffer.from(ELEMENTWISE_WASM_FMA, 'base64'));
    chosen = validatesRelaxed(fmaBytes) ? { bytes: fmaBytes, fma: true } : { bytes: new Uint8Array(Buffer.from(ELEMENTWISE_WASM, 'base64')), fma: false };
  }
  return chosen;
}

/** The kernels' module compiled to import a shared memory: the GEMM pool's workers instantiate it on tfjs's shared heap. */
export function sharedElementwiseModule(): CompiledModule {
  sharedModule ??= new (webAssembly().Module)(importMemoryAsShared(elementwiseBinary().bytes));
  return sharedModule;
}

/**
 * The kernels instantiated on the tfjs wasm backend's own heap (`backend.wasm.asm.memory`, an Emscripten
 * detail of tfjs-backend-wasm 4.x), so they run in place on tensors; undefined where the backend does not
 * expose its memory (the TypeScript loops run then).
 */
export function heapElementwise(backend: unknown): ElementwiseExports | undefined {
  const memory = (backend as { wasm?: TfjsWasmModule } | undefined)?.wasm?.asm?.memory;
  if (!memory) return undefined;
  let ew = instances.get(memory);
  if (!ew) {
    const WA = webAssembly();
    // A shared heap (shared-heap.ts) can only be imported as shared: the same code, the import retyped.
    const shared = (memory as { buffer?: unknown }).buffer instanceof SharedArrayBuffer;
    const module = shared ? sharedElementwiseModule() : new WA.Module(elementwiseBinary().bytes);
    ew = new WA.Instance(module, { env: { memory: memory as never } }).exports as unknown as ElementwiseExports;
    instances.set(memory, ew);
  }
  return ew;
}
