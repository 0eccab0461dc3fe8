// The GEMM microkernel of the threaded wasm engine, emitted as WebAssembly bytes at load time (no assembler,
// no committed binary): one export `tile(ap, bp, cp, kc, ldc, accumulate)` computing a GEMM_MR x GEMM_NR
// block of C (+)= A-panel . B-panel over kc steps. Panels are packed by pack-panels.ts: A as kc groups of
// GEMM_MR floats (one per row), B as kc groups of GEMM_NR floats (one per column). Each step broadcasts the
// MR row values and multiply-adds them into MR x NR/4 f32x4 accumulators (8 + 2 + 1 of the 16 xmm registers
// V8 allocates on x64), so there is no horizontal reduction and no transposition in the loop.

export const GEMM_MR = 4;
export const GEMM_NR = 8;
/** k steps per loop iteration: packed depths and k blocks are multiples of it. */
export const GEMM_UNROLL = 2;
/** The memory the module imports: shared, up to 32767 pages so that every byte offset fits an int32. */
export const GEMM_MAX_PAGES = 32767;

const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const simd = (code: number): number[] => [0xfd, ...uleb(code)];
const memarg = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)];

const I32 = 0x7f;
const V128 = 0x7b;
const GET = 0x20;
const SET = 0x21;

/** The module's bytes; `fma` selects f32x4.relaxed_madd (relaxed SIMD), else f32x4.mul + f32x4.add. */
export function gemmModuleBytes(fma: boolean): Uint8Array {
  const [ap, bp, cp, kc, ldc, accum, pend] = [0, 1, 2, 3, 4, 5, 6];
  const bv = (c: number): number => 7 + c;
  const av = 7 + GEMM_NR / 4;
  const acc = (r: number, c: number): number => av + 1 + r * (GEMM_NR / 4) + c;
  const vecs = GEMM_NR / 4;
  const b: number[] = [];
  // pend = ap + kc * MR * 4
  b.push(GET, ap, GET, kc, 0x41, ...sleb(GEMM_MR * 4), 0x6c, 0x6a, SET, pend);
  // Row pointer r of C: cp + r * ldc.
  const rowPtr = (r: number): number[] => (r === 0 ? [GET, cp] : [GET, cp, GET, ldc, 0x41, ...sleb(r), 0x6c, 0x6a]);
  b.push(GET, accum, 0x04, 0x40);
  for (let r = 0; r < GEMM_MR; r++) for (let c = 0; c < vecs; c++) b.push(...rowPtr(r), ...simd(0x00), ...memarg(4, c * 16), SET, acc(r, c));
  b.push(0x05);
  for (let r = 0; r < GEMM_MR; r++) for (let c = 0; c < vecs; c++) b.push(...simd(0x0c), ...Array<number>(16).fill(0), SET, acc(r, c));
  b.push(0x0b);
  b.push(0x03, 0x40);
  for (let u = 0; u < GEMM_UNROLL; u++) {
    for (let c = 0; c < vecs; c++) b.push(GET, bp, ...simd(0x00), ...memarg(4, (u * GEMM_NR + c * 4) * 4), SET, bv(c));
    for (let r = 0; r < GEMM_MR; r++) {
      b.push(GET, ap, ...simd(0x09), ...memarg(2, (u * GEMM_MR + r) * 4), SET, av);
      for (let c = 0; c < vecs; c++) {
        if (fma) b.push(GET, av, GET, bv(c), GET, acc(r, c), ...simd(0x105), SET, acc(r, c));
        else b.push(GET, acc(r, c), GET, av, GET, bv(c), ...simd(0xe6), ...simd(0xe4), SET, acc(r, c));
      }
    }
  }
  b.push(GET, ap, 0x41, ...sleb(GEMM_UNROLL * GEMM_MR * 4), 0x6a, SET, ap);
  b.push(GET, bp, 0x41, ...sleb(GEMM_UNROLL * GEMM_NR * 4), 0x6a, SET, bp);
  b.push(GET, ap, GET, pend, 0x49, 0x0d, 0, 0x0b);
  for (let r = 0; r < GEMM_MR; r++) for (let c = 0; c < vecs; c++) b.push(...rowPtr(r), GET, acc(r, c), ...simd(0x0b), ...memarg(4, c * 16));
  b.push(0x0b);
  const locals = [2, ...uleb(1), I32, ...uleb(1 + vecs + 1 + GEMM_MR * vecs), V128];
  const func = [...locals, ...b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, 0x03, ...uleb(1), ...uleb(GEMM_MAX_PAGES)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('tile'), 0x00, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

/** Signed LEB128 (i32.const immediates). */
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
