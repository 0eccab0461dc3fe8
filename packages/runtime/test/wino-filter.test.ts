import { Rng } from '@flow/random';
import { elementwiseBinary, type ElementwiseExports } from '../src/wasm-fused/elementwise-module';
import { webAssembly, type SharedMemory } from '../src/wasm-threads/wasm-global';

// The Winograd filter transform U = G g G^T as SIMD wasm (wino_filter for HWIO filters, wino_filter_gather for
// the input gradient's rotated filter with its channel axes swapped) against the float64 arithmetic of the
// TypeScript it replaced, rounded once to float32: bit for bit, including the slab layout (panels of 8 output
// channels, SLAB_PAD floats between slabs here 16).
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

describe('wino_filter', () => {
  const WA = webAssembly();
  const memory = new (WA.Memory as unknown as new (d: { initial: number }) => SharedMemory)({ initial: 64 });
  const ew = new WA.Instance(new WA.Module(elementwiseBinary().bytes), { env: { memory } }).exports as unknown as ElementwiseExports;
  const heap = new Float32Array(memory.buffer);
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
