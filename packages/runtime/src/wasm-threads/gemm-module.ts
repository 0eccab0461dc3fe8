// The GEMM microkernel of the threaded wasm engine, emitted as WebAssembly bytes at load time (no assembler,
// no committed binary). One export computes a GEMM_MR x GEMM_NR block of C (+)= sum over steps of
// a_r * b[0..NR) as MR x NR/4 f32x4 accumulators (8 + 2 + 1 of the 16 xmm registers V8 allocates on x64):
// each step broadcasts one value per row (row r at a + r*aRow) and loads NR consecutive values of b.
//
//   tile(ap, bp, cp, ldc, accumulate, aRow, n2, a2, b2, n1, a1, b1, n0, a0, b0, n3, a3, c3, n4, a4, c4)
//
// walks the steps as three nested loops (n2 x n1 x n0; each level advances a and b by its own byte strides),
// so the same kernel runs a packed GEMM (one level), an implicit-im2col convolution straight from a padded
// NHWC image (taps kh, kw, then channels) and a filter gradient (images, rows, columns), without packing
// the patch matrix. Two outer levels (n4 x n3) repeat that for blocks of C at their own A rows and C offsets
// (a3/c3, a4/c4) against the same B: a task's row panels, or a conv's output rows, in one call. Every count
// is at least 1; all byte offsets and counts are int32.

export const GEMM_MR = 4;
export const GEMM_NR = 8;
/** Parameters of `tile`. */
const PARAMS = 21;
/** The memory the module imports: shared, up to 32767 pages so that every byte offset fits an int32. */
export const GEMM_MAX_PAGES = 32767;

/** Unsigned LEB128, as WebAssembly encodes counts, sizes and indices. */
export const uleb = (v: number): number[] => {
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
  const [ap, bp, cp, ldc, accum, aRow, n2, a2, b2, n1, a1, b1, n0, a0, b0, n3, a3, c3, n4, a4, c4] = Array.from({ length: PARAMS }, (_, i) => i);
  const I32_LOCALS = 18;
  const [p2a, p2b, p1a, p1b, a, b, c2, c1, c0, row1, row2, row3, p4a, p4c, p3a, p3c, cnt4, cnt3] = Array.from({ length: I32_LOCALS }, (_, i) => PARAMS + i);
  const vecs = GEMM_NR / 4;
  const bv = (c: number): number => PARAMS + I32_LOCALS + c;
  const av = PARAMS + I32_LOCALS + vecs;
  const acc = (r: number, c: number): number => av + 1 + r * vecs + c;
  const rowOff = [-1, row1, row2, row3];
  const out: number[] = [];
  const p = (...ops: number[]): void => {
    out.push(...ops);
  };
  p(GET, aRow, SET, row1, GET, aRow, GET, aRow, 0x6a, SET, row2, GET, row2, GET, aRow, 0x6a, SET, row3);
  // Row pointer r of C: cp + r * ldc.
  const rowPtr = (r: number): number[] => (r === 0 ? [GET, p3c] : [GET, p3c, GET, ldc, 0x41, ...sleb(r), 0x6c, 0x6a]);
  const dec = (x: number): number[] => [GET, x, 0x41, 1, 0x6b, 0x22, x]; // x -= 1, leaving x
  // The two outer levels: n4 x n3 blocks of C, each at its own a and c (b is shared), e.g. the row panels of a
  // few output rows of a conv in one call.
  p(GET, ap, SET, p4a, GET, cp, SET, p4c, GET, n4, SET, cnt4);
  p(0x03, 0x40); // loop over n4
  p(GET, p4a, SET, p3a, GET, p4c, SET, p3c, GET, n3, SET, cnt3);
  p(0x03, 0x40); // loop over n3
  p(GET, accum, 0x04, 0x40);
  for (let r = 0; r < GEMM_MR; r++) for (let c = 0; c < vecs; c++) p(...rowPtr(r), ...simd(0x00), ...memarg(4, c * 16), SET, acc(r, c));
  p(0x05);
  for (let r = 0; r < GEMM_MR; r++) for (let c = 0; c < vecs; c++) p(...simd(0x0c), ...Array<number>(16).fill(0), SET, acc(r, c));
  p(0x0b);
  p(GET, p3a, SET, p2a, GET, bp, SET, p2b, GET, n2, SET, c2);
  p(0x03, 0x40); // loop over n2
  p(GET, p2a, SET, p1a, GET, p2b, SET, p1b, GET, n1, SET, c1);
  p(0x03, 0x40); // loop over n1
  p(GET, p1a, SET, a, GET, p1b, SET, b, GET, n0, SET, c0);
  p(0x03, 0x40); // loop over n0: one step
  for (let c = 0; c < vecs; c++) p(GET, b, ...simd(0x00), ...memarg(4, c * 16), SET, bv(c));
  for (let r = 0; r < GEMM_MR; r++) {
    if (r === 0) p(GET, a);
    else p(GET, a, GET, rowOff[r], 0x6a);
    p(...simd(0x09), ...memarg(2, 0), SET, av);
    for (let c = 0; c < vecs; c++) {
      if (fma) p(GET, av, GET, bv(c), GET, acc(r, c), ...simd(0x105), SET, acc(r, c));
      else p(GET, acc(r, c), GET, av, GET, bv(c), ...simd(0xe6), ...simd(0xe4), SET, acc(r, c));
    }
  }
  p(GET, a, GET, a0, 0x6a, SET, a, GET, b, GET, b0, 0x6a, SET, b);
  p(...dec(c0), 0x0d, 0, 0x0b);
  p(GET, p1a, GET, a1, 0x6a, SET, p1a, GET, p1b, GET, b1, 0x6a, SET, p1b);
  p(...dec(c1), 0x0d, 0, 0x0b);
  p(GET, p2a, GET, a2, 0x6a, SET, p2a, GET, p2b, GET, b2, 0x6a, SET, p2b);
  p(...dec(c2), 0x0d, 0, 0x0b);
  for (let r = 0; r < GEMM_MR; r++) for (let c = 0; c < vecs; c++) p(...rowPtr(r), GET, acc(r, c), ...simd(0x0b), ...memarg(4, c * 16));
  p(GET, p3a, GET, a3, 0x6a, SET, p3a, GET, p3c, GET, c3, 0x6a, SET, p3c);
  p(...dec(cnt3), 0x0d, 0, 0x0b);
  p(GET, p4a, GET, a4, 0x6a, SET, p4a, GET, p4c, GET, c4, 0x6a, SET, p4c);
  p(...dec(cnt4), 0x0d, 0, 0x0b);
  p(0x0b);
  const locals = [2, ...uleb(I32_LOCALS), I32, ...uleb(vecs + 1 + GEMM_MR * vecs), V128];
  const func = [...locals, ...out];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, PARAMS, ...Array<number>(PARAMS).fill(I32), 0]),
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
