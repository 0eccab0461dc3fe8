import { Rng } from '@flow/random';
import { elementwiseBinary, type ElementwiseExports } from '../src/wasm-fused/elementwise-module';
import { webAssembly, type SharedMemory } from '../src/wasm-threads/wasm-global';

// The Winograd transforms of the filter and of its gradient as SIMD wasm. First the filter's, U = G g G^T
// (wino_filter for HWIO filters, wino_filter_gather for the input gradient's rotated filter with its channel
// axes swapped), against the float64 arithmetic of the TypeScript it replaced, rounded once to float32: bit for
// bit, including the slab layout (panels of 8 output channels, SLAB_PAD floats between slabs, here 16).
function reference(w: Float32Array, C: number, CO: number, flipped: boolean, slab: number): Float32Array {
  const u = new Float32Array(16 * slab);
  const st = flipped ? -C * CO : C * CO;
  for (let co = 0; co < CO; co++) {
    for (let ci = 0; ci < C; ci++) {
      const b = flipped ? co * C + ci - 8 * st : ci * CO + co;
      const g = Array.from({ length: 9 }, (_, t) => w[b + t * st]!);
      const rows = [
        [g[0]!, g[1]!, g[2]!],
        [0.5 * (g[0]! + g[3]! + g[6]!), 0.5 * (g[1]! + g[4]! + g[7]!), 0.5 * (g[2]! + g[5]! + g[8]!)],
        [0.5 * (g[0]! - g[3]! + g[6]!), 0.5 * (g[1]! - g[4]! + g[7]!), 0.5 * (g[2]! - g[5]! + g[8]!)],
        [g[6]!, g[7]!, g[8]!],
      ];
      const d = Math.floor(co / 8) * 8 * C + ci * 8 + (co % 8);
      rows.forEach(([a, bb, c], i) => {
        [a!, 0.5 * (a! + bb! + c!), 0.5 * (a! - bb! + c!), c!].forEach((v, k) => (u[d + (4 * i + k) * slab] = v));
      });
    }
  }
  return u;
}

/** The module the engine loads, on a memory of its own, and that memory as floats. */
function instantiate(pages: number): { ew: ElementwiseExports; heap: Float32Array } {
  const WA = webAssembly();
  const memory = new (WA.Memory as unknown as new (d: { initial: number }) => SharedMemory)({ initial: pages });
  const ew = new WA.Instance(new WA.Module(elementwiseBinary().bytes), { env: { memory } }).exports as unknown as ElementwiseExports;
  return { ew, heap: new Float32Array(memory.buffer) };
}

describe('wino_filter', () => {
  const { ew, heap } = instantiate(64);
  const rng = new Rng(21);
  const shapes: [number, number][] = [[4, 4], [12, 8], [32, 32], [8, 36], [64, 12]];
  it.each(shapes.flatMap(([c, co]) => [false, true].map((f) => [c, co, f] as const)))('C %i, CO %i, flipped %s: the float64 reference bit for bit', (C, CO, flipped) => {
    const w = rng.fillNormal(new Float32Array(9 * C * CO));
    const COp = Math.ceil(CO / 8) * 8;
    const slab = COp * C + 16;
    const W = 0;
    const U = 9 * C * CO + 64;
    heap.set(w, W);
    heap.fill(0, U, U + 16 * slab);
    if (flipped) ew.wino_filter_gather((W + 8 * C * CO) * 4, U * 4, C, CO / 4, slab * 4, 4, C * 4, -C * CO * 4);
    else ew.wino_filter(W * 4, U * 4, C, CO / 4, slab * 4, CO * 4, 4, C * CO * 4);
    const got = heap.slice(U, U + 16 * slab);
    const want = reference(w, C, CO, flipped, slab);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });
});

// wino_filter_back: the filter gradient's tile-range partials (16 slabs of C x COp each) summed in range order
// in float32, then dW = G^T m G in float64 rounded once, into HWIO: bit for bit against that arithmetic (the
// repeated mp_sum and TypeScript loop it replaces), called whole and in chunks of input channels.
function referenceBack(p: Float32Array, ranges: number, C: number, CO: number, COp: number, slab: number): Float32Array {
  const dw = new Float32Array(9 * C * CO);
  for (let ci = 0; ci < C; ci++) {
    for (let co = 0; co < CO; co++) {
      const m = Array.from({ length: 16 }, (_, e) => {
        let acc = p[e * slab + ci * COp + co]!;
        for (let r = 1; r < ranges; r++) acc = Math.fround(acc + p[r * 16 * slab + e * slab + ci * COp + co]!);
        return acc;
      });
      const r: number[] = [];
      for (let j = 0; j < 4; j++) {
        const [a, b, c, d] = [m[j]!, m[4 + j]!, m[8 + j]!, m[12 + j]!];
        r[j] = a + 0.5 * (b + c);
        r[4 + j] = 0.5 * (b - c);
        r[8 + j] = 0.5 * (b + c) + d;
      }
      for (let i = 0; i < 3; i++) {
        const [a, b, c, d] = [r[4 * i]!, r[4 * i + 1]!, r[4 * i + 2]!, r[4 * i + 3]!];
        dw[3 * i * C * CO + ci * CO + co] = a + 0.5 * (b + c);
        dw[(3 * i + 1) * C * CO + ci * CO + co] = 0.5 * (b - c);
        dw[(3 * i + 2) * C * CO + ci * CO + co] = 0.5 * (b + c) + d;
      }
    }
  }
  return dw;
}

describe('wino_filter_back', () => {
  const { ew, heap } = instantiate(256);
  const rng = new Rng(22);
  const cases: [number, number, number][] = [[4, 4, 1], [12, 8, 3], [32, 32, 14], [8, 36, 16], [64, 12, 5]];
  it.each(cases)('C %i, CO %i, %i ranges: the float32 sums and float64 transform bit for bit', (C, CO, ranges) => {
    const COp = Math.ceil(CO / 8) * 8;
    const slab = C * COp + 16;
    const p = rng.fillNormal(new Float32Array(ranges * 16 * slab));
    const P = 0;
    const D = p.length + 64;
    heap.set(p, P);
    const want = referenceBack(p, ranges, C, CO, COp, slab);
    const run = (ci0: number, count: number) => ew.wino_filter_back((P + ci0 * COp) * 4, (D + ci0 * CO) * 4, count, ranges, 16 * slab * 4, slab * 4, COp * 4, CO * 4, C * CO * 4, CO / 4);
    run(0, C);
    expect(Buffer.from(heap.slice(D, D + want.length).buffer).equals(Buffer.from(want.buffer))).toBe(true);
    heap.fill(0, D, D + want.length);
    for (let ci = 0; ci < C; ci += 3) run(ci, Math.min(3, C - ci));
    expect(Buffer.from(heap.slice(D, D + want.length).buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });
});
