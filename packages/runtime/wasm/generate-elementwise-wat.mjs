// Generates the WebAssembly text of the wasm engine's elementwise SIMD kernels (EDM2's mp_silu family), which
// run in place on the tfjs wasm backend's heap on the calling thread: the GEMM worker pool's shared memory would
// need the operands copied in and out, which on 2 cores cost more than the second thread saves.
// A generator rather than a .wat by hand because the vector sigmoid is spelled out inline in each loop, twice
// (two independent vectors per iteration hide the polynomial's latency); scripts/build-wasm.mjs assembles the
// text with wabt and embeds the binary.
//
// Exports (byte offsets and counts are i32; n, pixels and c4 count f32x4 vectors / pixels, all >= 1):
//   mp_silu(x, y, n)                                y = z sigmoid(z) / 0.596, z = x
//   mp_silu_grad(x, dy, dx, n)                      dx = dy sigmoid(z) (1 + z (1 - sigmoid(z))) / 0.596
//   mp_silu_mod(x, s, y, pixels, c4)                z = x s[channel] over pixels x c4 vectors, y as mp_silu
//   mp_silu_mod_grad(x, s, dy, dx, ds, pixels, c4)  g = dy mp_silu'(z), dx = g s, ds[channel] = sum of g x
//                                                   over these pixels in float64 (ds: c4 x 4 f64, overwritten)
//   mp_sum(a, b, y, n, ca, cb)                      y = ca a + cb b
//   clip_grad(x, dy, dx, n, lo, hi)                 dx = dy where lo <= x <= hi, else 0 (NaN x: 0)
//   scale_rows(src, dst, rows, n4, srcStride, dstStride, scale)  dst row = scale src row (n4 vectors; strides in
//                                                   bytes): mp_cat and its gradient, two calls each
//   pad_rows(src, dst, rows, n4, l4, r4, srcStride, dstStride)  dst row = l4 zero vectors, the n4 vectors of the
//                                                   src row, r4 zero vectors (any count may be 0): a conv's
//                                                   zero-padded image, a row at a time
//   col_sums(w, dy, acc, rows, c4, dot)             per column of w [rows, c4 vectors]: acc[0..c) = sum of w^2,
//                                                   and with dot != 0 acc[c..2c) = sum of dy w (float64, rows in order)
//   col_scale(w, dy, a, b, y, rows, c4)             y = w a[col] - dy b[col] (a, b: float32 per column; dy may be 0 with b 0)
//   row_normalize(x, y, rows, c4, eps, rc)          per row of c4 vectors: y = x / (eps + |x| rc), |x| in float64
//   row_normalize_grad(x, dy, dx, rows, c4, eps, rc)  dx = dy / d - x (dy . x) rc / (d^2 |x|), d = eps + |x| rc
//   pad_rows_act(src, dst, rows, w, c4, l4, r4, ss, ds, s)  pad_rows of rows of w pixels of c4 vectors with
//                                                   mp_silu applied (times s[channel] first where s is not 0)
//   down2x(src, dst, rows, ow, c4, rs, scale)       2x2 box downsampling of output rows: dst pixel = scale ((a + b) + (c
//                                                   + d)) of the 2x2 source pixels (rows rs bytes apart), ow a row
//   up2x(src, dst, rows, w, c4, scale)              nearest 2x upsampling of source rows of w pixels: each pixel times
//                                                   scale into its 2x2 block of dst
//   wino_in(src, v, tiles, c4, rs, vs)              Winograd F(2x2, 3x3) input transform of a run of tiles along an
//                                                   image row: tile i's 4x4 patch of c4-vector pixels starts at
//                                                   src + 2 i c4 16 (rows rs bytes apart); its 16 transformed
//                                                   values go to v + i c4 16 + e vs, e = 4 row + column
//   wino_out(m, y, tiles, c4, mt, ms, ry)           the output transform: tile i's 16 products at m + i mt + e ms
//                                                   become its 2x2 output pixels at y + 2 i c4 16 (rows ry apart)
//   wino_dy(src, e, tiles, c4, rs, es, ts)          the filter gradient's transform of a 2x2 tile of dy, A d A^T
//                                                   (rows rs bytes apart), to e + i ts + slab es
//
// elementwiseWat({ fma: true }) is the same module with each multiply-add of the sigmoid fused (relaxed SIMD),
// which the engine loads where the runtime has relaxed SIMD (src/wasm-fused/elementwise-module.ts).
//
// exp(v) is Cody-Waite range reduction (k = nearest(v log2 e), r = v - k ln2 in two parts), then Cephes'
// degree-5 minimax polynomial for exp(r) on |r| <= ln2/2 (about 1 ulp), scaled by 2^k; v is clamped to
// [-87.3, 88] so that 2^k stays a normal float. Rounding and 2^k both come from one add of 1.5 * 2^23 + 127:
// the sum's low mantissa bits are then k + 127, which shifted left by 23 are the float 2^k. NaN propagates (pmin/pmax keep their
// first operand when the comparison fails). V8 does not hoist v128 constants out of loops, so every
// constant is a local set before the loop.

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693359375; // 9 significant bits: k * LN2_HI is exact for |k| <= 127
const LN2_LO = -2.1219444005469057e-4;
const SCALE = 1 / 0.596;
// exp(r) ~ 1 + r + r^2 P(r), P from Cephes expf.c.
const EXP_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
const UNROLL = 2;

const MAGIC = 12582912 + 127; // 1.5 * 2^23 (round to integer) + the exponent bias

const CONSTANTS = {
  one: 1, hi: 88, lo: -87.3, log2e: LOG2E, ln2hi: LN2_HI, ln2lo: LN2_LO, scale: SCALE, magic: MAGIC,
  ...Object.fromEntries(EXP_P.map((v, i) => [`p${i}`, v])),
};
const get = (name) => `(local.get $${name})`;
const K = (name) => get(`c_${name}`);
const constantLocals = () => Object.keys(CONSTANTS).map((k) => `c_${k} v128`);
const setConstants = () => [
  ...Object.entries(CONSTANTS).map(([k, v]) => `(local.set $c_${k} (v128.const f32x4 ${v} ${v} ${v} ${v}))`),
];

/**
 * The module variant being generated: with `fma`, every a b + c of the sigmoid is one relaxed-SIMD fused
 * multiply-add (one rounding instead of two: ~30% fewer vector instructions in the exp, and no less accurate).
 */
let FMA = false;
/** a b + c, and c - a b. */
const madd = (a, b, c) => (FMA ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`);
const nmadd = (a, b, c) => (FMA ? `(f32x4.relaxed_nmadd ${a} ${b} ${c})` : `(f32x4.sub ${c} (f32x4.mul ${a} ${b}))`);

/** Instructions leaving sigmoid(z) in $sg<u> (z in $z<u>); scratch locals $v<u> $t<u> $k<u> $r<u> $p<u>. */
function sigmoid(u) {
  const L = (n) => get(`${n}${u}`);
  const set = (n, e) => `(local.set $${n}${u} ${e})`;
  return [
    set('v', `(f32x4.pmax (f32x4.pmin (f32x4.neg ${L('z')}) ${K('hi')}) ${K('lo')})`),
    set('t', madd(L('v'), K('log2e'), K('magic'))),
    set('k', `(f32x4.sub ${L('t')} ${K('magic')})`),
    set('r', nmadd(L('k'), K('ln2lo'), nmadd(L('k'), K('ln2hi'), L('v')))),
    set('p', K('p0')),
    ...EXP_P.slice(1).map((_, i) => set('p', madd(L('p'), L('r'), K(`p${i + 1}`)))),
    // 1 + r + r^2 P(r), times 2^k
    set('p', `(f32x4.add ${madd(`(f32x4.mul ${L('p')} ${L('r')})`, L('r'), L('r'))} ${K('one')})`),
    set('p', `(f32x4.mul ${L('p')} (i32x4.shl ${L('t')} (i32.const 23)))`),
    set('sg', `(f32x4.div ${K('one')} (f32x4.add ${K('one')} ${L('p')}))`),
  ];
}

/** g<u> = dy sigmoid(z) (1 + z (1 - sigmoid(z))) / 0.596, after sigmoid(u). */
const siluGrad = (u, dy) =>
  `(local.set $g${u} (f32x4.mul (f32x4.mul (f32x4.mul ${dy} ${get(`sg${u}`)}) ${FMA ? madd(get(`z${u}`), `(f32x4.sub ${K('one')} ${get(`sg${u}`)})`, K('one')) : `(f32x4.add ${K('one')} (f32x4.mul ${get(`z${u}`)} (f32x4.sub ${K('one')} ${get(`sg${u}`)})))`}) ${K('scale')}))`;
const siluOut = (u) => `(f32x4.mul (f32x4.mul ${get(`z${u}`)} ${get(`sg${u}`)}) ${K('scale')})`;
const vecLocals = (u) => ['z', 'sg', 'v', 't', 'k', 'r', 'p', 'g'].map((n) => `${n}${u} v128`);
const allVecLocals = () => Array.from({ length: UNROLL }, (_, u) => vecLocals(u)).flat();
const advance = (ptrs, bytes) => ptrs.map((q) => `(local.set $${q} (i32.add ${get(q)} (i32.const ${bytes})))`);
const load = (ptr, u) => `(v128.load offset=${16 * u} ${get(ptr)})`;

/**
 * A loop over `counter` vectors: UNROLL at a time (body(u) for u < UNROLL, vectors at offset 16u), then the
 * remainder one at a time. Each body step reads and writes through pointers advanced by `ptrs` (16 bytes a vector).
 */
function vectorLoop(label, counter, ptrs, body) {
  const step = (units) => [...Array.from({ length: units }, (_, u) => body(u)).flat(), ...advance(ptrs, 16 * units)];
  return [
    `(block $${label}_done`,
    `  (loop $${label}`,
    `    (br_if $${label}_done (i32.lt_u ${get(counter)} (i32.const ${UNROLL})))`,
    ...step(UNROLL).map((l) => `    ${l}`),
    `    (local.set $${counter} (i32.sub ${get(counter)} (i32.const ${UNROLL})))`,
    `    (br $${label})))`,
    `(block $${label}_rest`,
    `  (loop $${label}_one`,
    `    (br_if $${label}_rest (i32.eqz ${get(counter)}))`,
    ...step(1).map((l) => `    ${l}`),
    `    (local.set $${counter} (i32.sub ${get(counter)} (i32.const 1)))`,
    `    (br $${label}_one)))`,
  ];
}

function func(name, params, locals, body) {
  const head = `  (func (export "${name}") ${params.map((q) => `(param $${q} i32)`).join(' ')}`;
  const decl = `    ${locals.map((l) => `(local $${l})`).join(' ')}`;
  return [head, decl, ...[...setConstants(), ...body].map((l) => `    ${l}`), '  )'].join('\n');
}

const perPixel = (label, inner) => [
  `(loop $${label}`,
  ...inner.map((l) => `  ${l}`),
  `  (br_if $${label} (local.tee $pixels (i32.sub ${get('pixels')} (i32.const 1)))))`,
];

function mpSilu() {
  return func('mp_silu', ['x', 'y', 'n'], [...constantLocals(), ...allVecLocals()],
    vectorLoop('l', 'n', ['x', 'y'], (u) => [`(local.set $z${u} ${load('x', u)})`, ...sigmoid(u), `(v128.store offset=${16 * u} ${get('y')} ${siluOut(u)})`]));
}

function mpSiluGrad() {
  return func('mp_silu_grad', ['x', 'dy', 'dx', 'n'], [...constantLocals(), ...allVecLocals()],
    vectorLoop('l', 'n', ['x', 'dy', 'dx'], (u) => [`(local.set $z${u} ${load('x', u)})`, ...sigmoid(u), siluGrad(u, load('dy', u)), `(v128.store offset=${16 * u} ${get('dx')} ${get(`g${u}`)})`]));
}

function mpSiluMod() {
  return func('mp_silu_mod', ['x', 's', 'y', 'pixels', 'c4'], ['sp i32', 'j i32', ...constantLocals(), ...allVecLocals()], perPixel('px', [
    `(local.set $sp ${get('s')}) (local.set $j ${get('c4')})`,
    ...vectorLoop('c', 'j', ['x', 'y', 'sp'], (u) => [`(local.set $z${u} (f32x4.mul ${load('x', u)} ${load('sp', u)}))`, ...sigmoid(u), `(v128.store offset=${16 * u} ${get('y')} ${siluOut(u)})`]),
  ]));
}

function mpSiluModGrad() {
  // ds partial: 4 f64 (32 bytes) per f32x4 of channels; dp advances 32 bytes a vector, so it is bumped apart.
  const body = (u) => [
    `(local.set $x${u} ${load('x', u)})`,
    `(local.set $s${u} ${load('sp', u)})`,
    `(local.set $z${u} (f32x4.mul ${get(`x${u}`)} ${get(`s${u}`)}))`,
    ...sigmoid(u),
    siluGrad(u, load('dy', u)),
    `(v128.store offset=${16 * u} ${get('dx')} (f32x4.mul ${get(`g${u}`)} ${get(`s${u}`)}))`,
    `(local.set $g${u} (f32x4.mul ${get(`g${u}`)} ${get(`x${u}`)}))`,
    `(v128.store offset=${32 * u} ${get('dp')} (f64x2.add (v128.load offset=${32 * u} ${get('dp')}) (f64x2.promote_low_f32x4 ${get(`g${u}`)})))`,
    `(v128.store offset=${32 * u + 16} ${get('dp')} (f64x2.add (v128.load offset=${32 * u + 16} ${get('dp')}) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${get(`g${u}`)} ${get(`g${u}`)}))))`,
  ];
  const loop = vectorLoop('c', 'j', ['x', 'dy', 'dx', 'sp'], body).map((l) =>
    // the ds pointer moves twice as fast as the f32 pointers
    l.replace(/\(local\.set \$sp \(i32\.add \(local\.get \$sp\) \(i32\.const (\d+)\)\)\)/, (m, b) => `${m} (local.set $dp (i32.add ${get('dp')} (i32.const ${2 * Number(b)})))`));
  const xs = Array.from({ length: UNROLL }, (_, u) => [`x${u} v128`, `s${u} v128`]).flat();
  return func('mp_silu_mod_grad', ['x', 's', 'dy', 'dx', 'ds', 'pixels', 'c4'], ['sp i32', 'dp i32', 'j i32', ...xs, ...constantLocals(), ...allVecLocals()], [
    `(local.set $dp ${get('ds')}) (local.set $j ${get('c4')})`,
    `(loop $zero (v128.store ${get('dp')} (v128.const i64x2 0 0)) (v128.store offset=16 ${get('dp')} (v128.const i64x2 0 0))`,
    `  (local.set $dp (i32.add ${get('dp')} (i32.const 32))) (br_if $zero (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    ...perPixel('px', [`(local.set $sp ${get('s')}) (local.set $dp ${get('ds')}) (local.set $j ${get('c4')})`, ...loop]),
  ]);
}

/** A function over n vectors of float32 operands with float32 scalar parameters, without the sigmoid's constants. */
function plain(name, ptrs, scalars, body) {
  const head = `  (func (export "${name}") ${ptrs.map((q) => `(param $${q} i32)`).join(' ')} (param $n i32) ${scalars.map((q) => `(param $${q} f32)`).join(' ')}`;
  const decl = `    ${[...scalars.map((q) => `(local $v_${q} v128)`), '(local $a0 v128) (local $a1 v128)'].join(' ')}`;
  const splat = scalars.map((q) => `(local.set $v_${q} (f32x4.splat ${get(q)}))`);
  return [head, decl, ...[...splat, ...vectorLoop('l', 'n', ptrs, body)].map((l) => `    ${l}`), '  )'].join('\n');
}

const mpSum = () => plain('mp_sum', ['a', 'b', 'y'], ['ca', 'cb'], (u) => [
  `(v128.store offset=${16 * u} ${get('y')} (f32x4.add (f32x4.mul ${load('a', u)} ${get('v_ca')}) (f32x4.mul ${load('b', u)} ${get('v_cb')})))`,
]);

const clipGrad = () => plain('clip_grad', ['x', 'dy', 'dx'], ['lo', 'hi'], (u) => [
  `(local.set $a${u} ${load('x', u)})`,
  `(v128.store offset=${16 * u} ${get('dx')} (v128.and ${load('dy', u)} (v128.and (f32x4.ge ${get(`a${u}`)} ${get('v_lo')}) (f32x4.le ${get(`a${u}`)} ${get('v_hi')}))))`,
]);

function scaleRows() {
  return [
    '  (func (export "scale_rows") (param $src i32) (param $dst i32) (param $rows i32) (param $n4 i32) (param $ss i32) (param $ds i32) (param $scale f32)',
    '    (local $ps i32) (local $pd i32) (local $j i32) (local $v_scale v128)',
    `    (local.set $v_scale (f32x4.splat ${get('scale')}))`,
    '    (loop $row',
    `      (local.set $ps ${get('src')}) (local.set $pd ${get('dst')}) (local.set $j ${get('n4')})`,
    '      (loop $l',
    `        (v128.store ${get('pd')} (f32x4.mul (v128.load ${get('ps')}) ${get('v_scale')}))`,
    `        (local.set $ps (i32.add ${get('ps')} (i32.const 16))) (local.set $pd (i32.add ${get('pd')} (i32.const 16)))`,
    `        (br_if $l (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `      (local.set $src (i32.add ${get('src')} ${get('ss')})) (local.set $dst (i32.add ${get('dst')} ${get('ds')}))`,
    `      (br_if $row (local.tee $rows (i32.sub ${get('rows')} (i32.const 1)))))`,
    '  )',
  ].join('\n');
}

/**
 * A counted run of stores at $pd (count in $j, possibly 0): v128 `value`s, or with `scalar` f32 copies from
 * $ps; $pd (and $ps with advanceSrc) move on a store's width each.
 */
const storeRun = (label, value, advanceSrc, scalar = false) => {
  const bytes = scalar ? 4 : 16;
  return [
    `      (block $${label}_end (loop $${label}`,
    `        (br_if $${label}_end (i32.eqz ${get('j')}))`,
    scalar ? `        (f32.store ${get('pd')} (f32.load ${get('ps')}))` : `        (v128.store ${get('pd')} ${value})`,
    `        (local.set $pd (i32.add ${get('pd')} (i32.const ${bytes})))${advanceSrc ? ` (local.set $ps (i32.add ${get('ps')} (i32.const ${bytes})))` : ''}`,
    `        (local.set $j (i32.sub ${get('j')} (i32.const 1))) (br $${label})))`,
  ];
};

/** A function over rows (src and dst ss and ds bytes apart): $ps and $pd start each row, then `body`. */
function rowFunc(name, params, body) {
  return [
    `  (func (export "${name}") ${params.map((q) => `(param $${q} i32)`).join(' ')}`,
    '    (local $ps i32) (local $pd i32) (local $j i32)',
    '    (loop $row',
    `      (local.set $ps ${get('src')}) (local.set $pd ${get('dst')})`,
    ...body,
    `      (local.set $src (i32.add ${get('src')} ${get('ss')})) (local.set $dst (i32.add ${get('dst')} ${get('ds')}))`,
    `      (br_if $row (local.tee $rows (i32.sub ${get('rows')} (i32.const 1)))))`,
    '  )',
  ].join('\n');
}

function padRows() {
  const zeros = '(v128.const i64x2 0 0)';
  return rowFunc('pad_rows', ['src', 'dst', 'rows', 'n4', 'l4', 'r4', 'ss', 'ds'], [
    `      (local.set $j ${get('l4')})`,
    ...storeRun('left', zeros, false),
    `      (local.set $j ${get('n4')})`,
    ...storeRun('copy', `(v128.load ${get('ps')})`, true),
    `      (local.set $j ${get('r4')})`,
    ...storeRun('right', zeros, false),
  ]);
}

/**
 * copy_rows: rows of n4 vectors and rem more floats (any width), src and dst rows ss and ds bytes apart.
 * pack_t: `outer` rows of `depth` contiguous floats (os bytes apart) into the GEMM's panels of 8, dp steps deep:
 * row o, step d to dst + (o / 8) 32 dp + d 32 + (o % 8) 4 (the padding left as it is).
 */
function copyRows() {
  return rowFunc('copy_rows', ['src', 'dst', 'rows', 'n4', 'rem', 'ss', 'ds'], [
    `      (local.set $j ${get('n4')})`,
    ...storeRun('v', `(v128.load ${get('ps')})`, true),
    `      (local.set $j ${get('rem')})`,
    ...storeRun('s', '', true, true),
  ]);
}

function packT() {
  return [
    '  (func (export "pack_t") (param $src i32) (param $dst i32) (param $outer i32) (param $depth i32) (param $os i32) (param $dp i32)',
    '    (local $o i32) (local $ps i32) (local $pd i32) (local $d i32)',
    '    (loop $row',
    `      (local.set $ps (i32.add ${get('src')} (i32.mul ${get('o')} ${get('os')})))`,
    `      (local.set $pd (i32.add ${get('dst')} (i32.add (i32.mul (i32.shr_u ${get('o')} (i32.const 3)) (i32.shl ${get('dp')} (i32.const 5))) (i32.shl (i32.and ${get('o')} (i32.const 7)) (i32.const 2)))))`,
    `      (local.set $d ${get('depth')})`,
    '      (loop $step',
    `        (f32.store ${get('pd')} (f32.load ${get('ps')}))`,
    `        (local.set $ps (i32.add ${get('ps')} (i32.const 4))) (local.set $pd (i32.add ${get('pd')} (i32.const 32)))`,
    `        (br_if $step (local.tee $d (i32.sub ${get('d')} (i32.const 1)))))`,
    `      (br_if $row (i32.lt_u (local.tee $o (i32.add ${get('o')} (i32.const 1))) ${get('outer')})))`,
    '  )',
  ].join('\n');
}

/**
 * pad_rows with mp_silu applied to the values (scaled per channel first where $s is not 0: the modulated
 * mp_silu), the same arithmetic as mp_silu / mp_silu_mod: a conv's zero-padded copy of its activated input.
 */
function padRowsAct() {
  const zeros = (label) => [
    `(block $${label}_end (loop $${label}`,
    `  (br_if $${label}_end (i32.eqz ${get('j')}))`,
    `  (v128.store ${get('pd')} (v128.const i64x2 0 0)) (local.set $pd (i32.add ${get('pd')} (i32.const 16)))`,
    `  (local.set $j (i32.sub ${get('j')} (i32.const 1))) (br $${label})))`,
  ];
  const z = `(if (result v128) ${get('s')} (then (f32x4.mul (v128.load ${get('ps')}) (v128.load ${get('sp')}))) (else (v128.load ${get('ps')})))`;
  return func('pad_rows_act', ['src', 'dst', 'rows', 'w', 'c4', 'l4', 'r4', 'ss', 'ds', 's'], ['ps i32', 'pd i32', 'sp i32', 'x i32', 'j i32', ...constantLocals(), ...vecLocals(0)], [
    '(loop $row',
    `  (local.set $ps ${get('src')}) (local.set $pd ${get('dst')}) (local.set $j ${get('l4')})`,
    ...zeros('left').map((l) => `  ${l}`),
    `  (local.set $x ${get('w')})`,
    '  (loop $px',
    `    (local.set $sp ${get('s')}) (local.set $j ${get('c4')})`,
    '    (loop $l',
    `      (local.set $z0 ${z})`,
    ...sigmoid(0).map((l) => `      ${l}`),
    `      (v128.store ${get('pd')} ${siluOut(0)})`,
    `      (local.set $ps (i32.add ${get('ps')} (i32.const 16))) (local.set $pd (i32.add ${get('pd')} (i32.const 16))) (local.set $sp (i32.add ${get('sp')} (i32.const 16)))`,
    `      (br_if $l (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `    (br_if $px (local.tee $x (i32.sub ${get('x')} (i32.const 1)))))`,
    `  (local.set $j ${get('r4')})`,
    ...zeros('right').map((l) => `  ${l}`),
    `  (local.set $src (i32.add ${get('src')} ${get('ss')})) (local.set $dst (i32.add ${get('dst')} ${get('ds')}))`,
    `  (br_if $row (local.tee $rows (i32.sub ${get('rows')} (i32.const 1)))))`,
  ]);
}

/**
 * A function over rows of pixels of c4 vectors: `rowStart` per row, `vector` per vector (which advances its
 * pointers by 16 bytes), `pixelEnd` after each pixel's vectors, `rowEnd` after each row. Counters: $rows, $x
 * (pixels a row, from $px0) and $j.
 */
function pixelRows(name, params, locals, setup, px0, { rowStart, vector, pixelEnd, rowEnd }) {
  return [
    `  (func (export "${name}") ${params}`,
    `    ${locals} (local $x i32) (local $j i32)`,
    ...setup.map((l) => `    ${l}`),
    '    (loop $row',
    `      ${rowStart} (local.set $x ${get(px0)})`,
    '      (loop $px',
    `        (local.set $j ${get('c4')})`,
    '        (loop $l',
    ...vector.map((l) => `          ${l}`),
    `          (br_if $l (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `        ${pixelEnd}`,
    `        (br_if $px (local.tee $x (i32.sub ${get('x')} (i32.const 1)))))`,
    `      ${rowEnd}`,
    `      (br_if $row (local.tee $rows (i32.sub ${get('rows')} (i32.const 1)))))`,
    '  )',
  ].join('\n');
}

const bump = (...ptrs) => ptrs.map((q) => `(local.set $${q} (i32.add ${get(q)} (i32.const 16)))`).join(' ');
const splatScale = () => `(local.set $v_scale (f32x4.splat ${get('scale')})) (local.set $cb (i32.shl ${get('c4')} (i32.const 4)))`;

function down2x() {
  // $a: the top pair of source pixels ($a, $a + $cb), $c the bottom pair; $cb the bytes of a pixel.
  const pair = (q) => `(f32x4.add (v128.load ${get(q)}) (v128.load (i32.add ${get(q)} ${get('cb')})))`;
  return pixelRows('down2x', '(param $src i32) (param $dst i32) (param $rows i32) (param $ow i32) (param $c4 i32) (param $rs i32) (param $scale f32)',
    '(local $a i32) (local $c i32) (local $cb i32) (local $pd i32) (local $v_scale v128)', [splatScale()], 'ow', {
      rowStart: `(local.set $a ${get('src')}) (local.set $c (i32.add ${get('src')} ${get('rs')})) (local.set $pd ${get('dst')})`,
      vector: [`(v128.store ${get('pd')} (f32x4.mul (f32x4.add ${pair('a')} ${pair('c')}) ${get('v_scale')}))`, bump('a', 'c', 'pd')],
      pixelEnd: `(local.set $a (i32.add ${get('a')} ${get('cb')})) (local.set $c (i32.add ${get('c')} ${get('cb')}))`,
      rowEnd: `(local.set $src (i32.add ${get('src')} (i32.shl ${get('rs')} (i32.const 1)))) (local.set $dst ${get('pd')})`,
    });
}

function up2x() {
  // Each source vector goes to 4 places: $pd and $pd + $cb in the first output row, the same $ob further on.
  const at = (...offs) => offs.reduce((e, o) => `(i32.add ${e} ${get(o)})`, get('pd'));
  return pixelRows('up2x', '(param $src i32) (param $dst i32) (param $rows i32) (param $w i32) (param $c4 i32) (param $scale f32)',
    '(local $pd i32) (local $cb i32) (local $ob i32) (local $v v128) (local $v_scale v128)',
    [splatScale(), `(local.set $ob (i32.shl (i32.mul ${get('w')} ${get('cb')}) (i32.const 1)))`], 'w', {
      rowStart: `(local.set $pd ${get('dst')})`,
      vector: [
        `(local.set $v (f32x4.mul (v128.load ${get('src')}) ${get('v_scale')}))`,
        `(v128.store ${get('pd')} ${get('v')}) (v128.store ${at('cb')} ${get('v')}) (v128.store ${at('ob')} ${get('v')}) (v128.store ${at('ob', 'cb')} ${get('v')})`,
        bump('src', 'pd'),
      ],
      pixelEnd: `(local.set $pd (i32.add ${get('pd')} ${get('cb')}))`,
      rowEnd: `(local.set $dst (i32.add ${get('dst')} (i32.shl ${get('ob')} (i32.const 1))))`,
    });
}

/** Weight normalisation's column sums: rows outer, a float64 running sum per column (as @flow/native). */
function colSums() {
  const zero = '(v128.const i64x2 0 0)';
  const hi = (v) => `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${v} ${v}))`;
  const lo = (v) => `(f64x2.promote_low_f32x4 ${v})`;
  const acc = (offset, v) => [
    `(v128.store offset=${offset} ${get('pa')} (f64x2.add (v128.load offset=${offset} ${get('pa')}) ${v}))`,
  ];
  return [
    '  (func (export "col_sums") (param $w i32) (param $dy i32) (param $acc i32) (param $rows i32) (param $c4 i32) (param $dot i32)',
    '    (local $pa i32) (local $j i32) (local $wv v128) (local $dv v128) (local $dotOff i32)',
    `    (local.set $dotOff (i32.shl ${get('c4')} (i32.const 5)))`,
    `    (local.set $pa ${get('acc')}) (local.set $j (i32.shl ${get('c4')} (i32.const 1)))`,
    `    (loop $zero (v128.store ${get('pa')} ${zero}) (v128.store offset=16 ${get('pa')} ${zero}) (local.set $pa (i32.add ${get('pa')} (i32.const 32)))`,
    `      (br_if $zero (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    '    (loop $row',
    `      (local.set $pa ${get('acc')}) (local.set $j ${get('c4')})`,
    '      (loop $col',
    `        (local.set $wv (v128.load ${get('w')}))`,
    ...acc(0, `(f64x2.mul ${lo(get('wv'))} ${lo(get('wv'))})`).map((l) => `        ${l}`),
    ...acc(16, `(f64x2.mul ${hi(get('wv'))} ${hi(get('wv'))})`).map((l) => `        ${l}`),
    `        (if ${get('dot')} (then`,
    `          (local.set $dv (v128.load ${get('dy')}))`,
    `          (local.set $pa (i32.add ${get('pa')} ${get('dotOff')}))`,
    ...acc(0, `(f64x2.mul ${lo(get('dv'))} ${lo(get('wv'))})`).map((l) => `          ${l}`),
    ...acc(16, `(f64x2.mul ${hi(get('dv'))} ${hi(get('wv'))})`).map((l) => `          ${l}`),
    `          (local.set $pa (i32.sub ${get('pa')} ${get('dotOff')}))`,
    `          (local.set $dy (i32.add ${get('dy')} (i32.const 16)))))`,
    `        (local.set $w (i32.add ${get('w')} (i32.const 16))) (local.set $pa (i32.add ${get('pa')} (i32.const 32)))`,
    `        (br_if $col (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `      (br_if $row (local.tee $rows (i32.sub ${get('rows')} (i32.const 1)))))`,
    '  )',
  ].join('\n');
}

/** y = w a[col] - dy b[col] over [rows, c4 vectors]. */
function colScale() {
  return [
    '  (func (export "col_scale") (param $w i32) (param $dy i32) (param $a i32) (param $b i32) (param $y i32) (param $rows i32) (param $c4 i32)',
    '    (local $pa i32) (local $pb i32) (local $j i32)',
    '    (loop $row',
    `      (local.set $pa ${get('a')}) (local.set $pb ${get('b')}) (local.set $j ${get('c4')})`,
    '      (loop $col',
    `        (v128.store ${get('y')} (f32x4.sub (f32x4.mul (v128.load ${get('w')}) (v128.load ${get('pa')})) (f32x4.mul (v128.load ${get('dy')}) (v128.load ${get('pb')}))))`,
    ...advance(['w', 'dy', 'y', 'pa', 'pb'], 16).map((l) => `        ${l}`),
    `        (br_if $col (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `      (br_if $row (local.tee $rows (i32.sub ${get('rows')} (i32.const 1)))))`,
    '  )',
  ].join('\n');
}

/** Adds x*y of one f32x4 (four float64 products) into the f64x2 accumulators $acc_lo, $acc_hi. */
const addProducts = (acc, xv, yv) => {
  const hi = (v) => `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${v} ${v}))`;
  return [
    `(local.set $${acc}_lo (f64x2.add ${get(`${acc}_lo`)} (f64x2.mul (f64x2.promote_low_f32x4 ${xv}) (f64x2.promote_low_f32x4 ${yv}))))`,
    `(local.set $${acc}_hi (f64x2.add ${get(`${acc}_hi`)} (f64x2.mul ${hi(xv)} ${hi(yv)})))`,
  ];
};
const total = (acc) => `(f64.add (f64.add (f64x2.extract_lane 0 ${get(`${acc}_lo`)}) (f64x2.extract_lane 1 ${get(`${acc}_lo`)})) (f64.add (f64x2.extract_lane 0 ${get(`${acc}_hi`)}) (f64x2.extract_lane 1 ${get(`${acc}_hi`)})))`;

/** Row-wise normalize (grad: with dy and dx) over `rows` rows of c4 vectors; float64 sums like the TypeScript loops. */
function rowNormalize(grad) {
  const ptrs = grad ? ['x', 'dy', 'dx'] : ['x', 'y'];
  const params = [...ptrs.map((q) => `(param $${q} i32)`), '(param $rows i32) (param $c4 i32) (param $eps f64) (param $rc f64)'].join(' ');
  const locals = ['(local $j i32) (local $px i32) (local $pdy i32)', '(local $ss_lo v128) (local $ss_hi v128) (local $dot_lo v128) (local $dot_hi v128) (local $xv v128)',
    '(local $norm f64) (local $invd f64) (local $k f64) (local $vinvd v128) (local $vk v128)'].join(' ');
  const zero = '(v128.const i64x2 0 0)';
  const sums = [
    `(local.set $ss_lo ${zero}) (local.set $ss_hi ${zero}) (local.set $dot_lo ${zero}) (local.set $dot_hi ${zero})`,
    `(local.set $px ${get('x')}) (local.set $pdy ${grad ? get('dy') : get('x')}) (local.set $j ${get('c4')})`,
    '(loop $sum',
    `  (local.set $xv (v128.load ${get('px')}))`,
    ...addProducts('ss', get('xv'), get('xv')).map((l) => `  ${l}`),
    ...(grad ? addProducts('dot', `(v128.load ${get('pdy')})`, get('xv')).map((l) => `  ${l}`) : []),
    `  (local.set $px (i32.add ${get('px')} (i32.const 16))) (local.set $pdy (i32.add ${get('pdy')} (i32.const 16)))`,
    `  (br_if $sum (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `(local.set $norm (f64.sqrt ${total('ss')}))`,
    `(local.set $invd (f64.div (f64.const 1) (f64.add ${get('eps')} (f64.mul ${get('norm')} ${get('rc')}))))`,
    `(local.set $vinvd (f32x4.splat (f32.demote_f64 ${get('invd')})))`,
  ];
  const k = grad ? [
    `(local.set $k (select (f64.div (f64.mul (f64.mul (f64.mul ${total('dot')} ${get('invd')}) ${get('invd')}) ${get('rc')}) ${get('norm')}) (f64.const 0) (f64.gt ${get('norm')} (f64.const 0))))`,
    `(local.set $vk (f32x4.splat (f32.demote_f64 ${get('k')})))`,
  ] : [];
  const write = grad
    ? `(v128.store ${get('dx')} (f32x4.sub (f32x4.mul (v128.load ${get('dy')}) ${get('vinvd')}) (f32x4.mul (v128.load ${get('x')}) ${get('vk')})))`
    : `(v128.store ${get('y')} (f32x4.mul (v128.load ${get('x')}) ${get('vinvd')}))`;
  const body = [
    '(loop $row',
    ...[...sums, ...k].map((l) => `  ${l}`),
    `  (local.set $j ${get('c4')})`,
    '  (loop $out',
    `    ${write}`,
    ...advance(ptrs, 16).map((l) => `    ${l}`),
    `    (br_if $out (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `  (br_if $row (local.tee $rows (i32.sub ${get('rows')} (i32.const 1)))))`,
  ];
  return [`  (func (export "${grad ? 'row_normalize_grad' : 'row_normalize'}") ${params}`, `    ${locals}`, ...body.map((l) => `    ${l}`), '  )'].join('\n');
}

/**
 * A Winograd transform's loops: tiles along a row (the pointers $tp/$tq advance by $step1/$step2 a tile), and
 * within a tile the c4 channel vectors ($ps/$pq advance 16 bytes), `body` reading at $ps and writing at $pq.
 */
function tileLoop(name, params, locals, setup, body, [step1, step2]) {
  return [
    `  (func (export "${name}") ${params.map((q) => `(param $${q} i32)`).join(' ')}`,
    `    ${['tp i32', 'tq i32', 'ps i32', 'pq i32', 'j i32', 'px i32', ...locals].map((l) => `(local $${l})`).join(' ')}`,
    `    (local.set $px (i32.shl ${get('c4')} (i32.const 4)))`,
    ...setup.map((l) => `    ${l}`),
    `    (local.set $tp ${get(params[0])}) (local.set $tq ${get(params[1])})`,
    '    (loop $tile',
    `      (local.set $ps ${get('tp')}) (local.set $pq ${get('tq')}) (local.set $j ${get('c4')})`,
    '      (loop $ch',
    ...body.map((l) => `        ${l}`),
    `        (local.set $ps (i32.add ${get('ps')} (i32.const 16))) (local.set $pq (i32.add ${get('pq')} (i32.const 16)))`,
    `        (br_if $ch (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `      (local.set $tp (i32.add ${get('tp')} ${step1})) (local.set $tq (i32.add ${get('tq')} ${step2}))`,
    `      (br_if $tile (local.tee $tiles (i32.sub ${get('tiles')} (i32.const 1)))))`,
    '  )',
  ].join('\n');
}

/** The Winograd F(2x2, 3x3) input transform, B^T d B with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
function winoIn() {
  const d = (i, j) => `$d${i}${j}`;
  const offs = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (i + j > 0) offs.push(`o${i}${j}`);
  const slabs = Array.from({ length: 15 }, (_, e) => `s${e + 1}`);
  const at = (i, j) => (i + j === 0 ? get('ps') : `(i32.add ${get('ps')} ${get(`o${i}${j}`)})`);
  const body = [];
  // Columns first: t(i, j) = (B^T d)(i, j), kept in the d locals.
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < 4; i++) body.push(`(local.set ${d(i, j)} (v128.load ${at(i, j)}))`);
    body.push(`(local.set $a0 (f32x4.sub (local.get ${d(0, j)}) (local.get ${d(2, j)})))`);
    body.push(`(local.set $a1 (f32x4.add (local.get ${d(1, j)}) (local.get ${d(2, j)})))`);
    body.push(`(local.set $a2 (f32x4.sub (local.get ${d(2, j)}) (local.get ${d(1, j)})))`);
    body.push(`(local.set ${d(3, j)} (f32x4.sub (local.get ${d(1, j)}) (local.get ${d(3, j)})))`);
    body.push(`(local.set ${d(0, j)} ${get('a0')}) (local.set ${d(1, j)} ${get('a1')}) (local.set ${d(2, j)} ${get('a2')})`);
  }
  // Then rows: V(i, j) = (t B)(i, j), stored to slab e = 4 i + j.
  const store = (e, v) => `(v128.store ${e === 0 ? get('pq') : `(i32.add ${get('pq')} ${get(`s${e}`)})`} ${v})`;
  for (let i = 0; i < 4; i++) {
    const t = (j) => `(local.get ${d(i, j)})`;
    body.push(store(4 * i, `(f32x4.sub ${t(0)} ${t(2)})`), store(4 * i + 1, `(f32x4.add ${t(1)} ${t(2)})`));
    body.push(store(4 * i + 2, `(f32x4.sub ${t(2)} ${t(1)})`), store(4 * i + 3, `(f32x4.sub ${t(1)} ${t(3)})`));
  }
  const locals = [...offs.map((o) => `${o} i32`), ...slabs.map((o) => `${o} i32`), 'a0 v128', 'a1 v128', 'a2 v128'];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) locals.push(`d${i}${j} v128`);
  const setup = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (i + j > 0) setup.push(`(local.set $o${i}${j} (i32.add (i32.mul ${get('rs')} (i32.const ${i})) (i32.mul ${get('px')} (i32.const ${j}))))`);
  slabs.forEach((sl, e) => setup.push(`(local.set $${sl} (i32.mul ${get('vs')} (i32.const ${e + 1})))`));
  return tileLoop('wino_in', ['src', 'v', 'tiles', 'c4', 'rs', 'vs'], locals, setup, body, [`(i32.shl ${get('px')} (i32.const 1))`, get('px')]);
}

/** The Winograd F(2x2, 3x3) output transform, A^T m A with A^T = [1 1 1 0; 0 1 -1 -1]. */
function winoOut() {
  const body = [];
  const m = (e) => `(v128.load ${e === 0 ? get('ps') : `(i32.add ${get('ps')} ${get(`s${e}`)})`})`;
  // Rows first: r(0, j) = m(0, j) + m(1, j) + m(2, j), r(1, j) = m(1, j) - m(2, j) - m(3, j).
  for (let j = 0; j < 4; j++) {
    body.push(`(local.set $a0 ${m(4 + j)}) (local.set $a1 ${m(8 + j)})`);
    body.push(`(local.set $r0${j} (f32x4.add (f32x4.add ${m(j)} ${get('a0')}) ${get('a1')}))`);
    body.push(`(local.set $r1${j} (f32x4.sub (f32x4.sub ${get('a0')} ${get('a1')}) ${m(12 + j)}))`);
  }
  const r = (i, j) => get(`r${i}${j}`);
  const at = (dy, dx) => (dy + dx === 0 ? get('pq') : `(i32.add ${get('pq')} ${dy && dx ? get('rx') : dy ? get('ry') : get('px')})`);
  for (let i = 0; i < 2; i++) {
    body.push(`(v128.store ${at(i, 0)} (f32x4.add (f32x4.add ${r(i, 0)} ${r(i, 1)}) ${r(i, 2)}))`);
    body.push(`(v128.store ${at(i, 1)} (f32x4.sub (f32x4.sub ${r(i, 1)} ${r(i, 2)}) ${r(i, 3)}))`);
  }
  const slabs = Array.from({ length: 15 }, (_, e) => `s${e + 1}`);
  const locals = ['rx i32', ...slabs.map((o) => `${o} i32`), 'a0 v128', 'a1 v128'];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 4; j++) locals.push(`r${i}${j} v128`);
  const setup = [`(local.set $rx (i32.add ${get('ry')} ${get('px')}))`];
  slabs.forEach((sl, e) => setup.push(`(local.set $${sl} (i32.mul ${get('ms')} (i32.const ${e + 1})))`));
  return tileLoop('wino_out', ['m', 'y', 'tiles', 'c4', 'mt', 'ms', 'ry'], locals, setup, body, [get('mt'), `(i32.shl ${get('px')} (i32.const 1))`]);
}

/** The filter gradient's transform of a 2x2 tile of dy: A d A^T with A = [1 0; 1 1; 1 -1; 0 -1] (F(3x3, 2x2)). */
function winoDy() {
  const body = [
    `(local.set $d00 (v128.load ${get('ps')})) (local.set $d01 (v128.load (i32.add ${get('ps')} ${get('px')})))`,
    `(local.set $d10 (v128.load (i32.add ${get('ps')} ${get('rs')}))) (local.set $d11 (v128.load (i32.add ${get('ps')} ${get('rx')})))`,
  ];
  // Columns: (d0, d0 + d1, d0 - d1, -d1); then the same along each of the 4 rows.
  const col = (j) => [get(`d0${j}`), `(f32x4.add ${get(`d0${j}`)} ${get(`d1${j}`)})`, `(f32x4.sub ${get(`d0${j}`)} ${get(`d1${j}`)})`, `(f32x4.neg ${get(`d1${j}`)})`];
  const [c0, c1] = [col(0), col(1)];
  const store = (e, v) => `(v128.store ${e === 0 ? get('pq') : `(i32.add ${get('pq')} ${get(`s${e}`)})`} ${v})`;
  for (let i = 0; i < 4; i++) {
    body.push(`(local.set $a0 ${c0[i]}) (local.set $a1 ${c1[i]})`);
    body.push(store(4 * i, get('a0')), store(4 * i + 1, `(f32x4.add ${get('a0')} ${get('a1')})`));
    body.push(store(4 * i + 2, `(f32x4.sub ${get('a0')} ${get('a1')})`), store(4 * i + 3, `(f32x4.neg ${get('a1')})`));
  }
  const slabs = Array.from({ length: 15 }, (_, e) => `s${e + 1}`);
  const locals = ['rx i32', ...slabs.map((o) => `${o} i32`), 'a0 v128', 'a1 v128', 'd00 v128', 'd01 v128', 'd10 v128', 'd11 v128'];
  const setup = [`(local.set $rx (i32.add ${get('rs')} ${get('px')}))`];
  slabs.forEach((sl, e) => setup.push(`(local.set $${sl} (i32.mul ${get('es')} (i32.const ${e + 1})))`));
  return tileLoop('wino_dy', ['src', 'e', 'tiles', 'c4', 'rs', 'es', 'ts'], locals, setup, body, [`(i32.shl ${get('px')} (i32.const 1))`, get('ts')]);
}

/**
 * Winograd F(4x4, 3x3) (points 0, 1, -1, 2, -2): a tile is 4x4 outputs from a 6x6 input patch, 36 products per
 * channel pair instead of 144 directly (F(2x2, 3x3): 16 for 36). Input 1D transform B^T x:
 * (4 x0 - 5 x2 + x4, x3 + x4 - 4 (x1 + x2), x4 - x3 + 4 (x1 - x2), x4 - x2 + 2 (x3 - x1), x4 - x2 - 2 (x3 - x1),
 * 4 x1 - 5 x3 + x5); output 1D transform A^T m: (m0 + m1 + m2 + m3 + m4, m1 - m2 + 2 (m3 - m4),
 * m1 + m2 + 4 (m3 + m4), m1 - m2 + 8 (m3 - m4) + m5). Each is applied along columns, then rows.
 */
const k4 = (n) => get(`c_k${n}`);
const k4Locals = ['c_k2 v128', 'c_k4 v128', 'c_k5 v128', 'c_k8 v128'];
const k4Setup = [2, 4, 5, 8].map((n) => `(local.set $c_k${n} (v128.const f32x4 ${n} ${n} ${n} ${n}))`);

/** Instructions computing B^T x of the 6 expressions `x` into the locals named out(0..5) (temps $ta $tb). */
function winoIn4Line(x, out) {
  const set = (i, e) => `(local.set $${out(i)} ${e})`;
  return [
    set(0, nmadd(x[2], k4(5), madd(x[0], k4(4), x[4]))),
    `(local.set $ta (f32x4.add ${x[1]} ${x[2]})) (local.set $tb (f32x4.sub ${x[1]} ${x[2]}))`,
    set(1, nmadd(get('ta'), k4(4), `(f32x4.add ${x[3]} ${x[4]})`)),
    set(2, madd(get('tb'), k4(4), `(f32x4.sub ${x[4]} ${x[3]})`)),
    `(local.set $ta (f32x4.sub ${x[4]} ${x[2]})) (local.set $tb (f32x4.sub ${x[3]} ${x[1]}))`,
    set(3, madd(get('tb'), k4(2), get('ta'))),
    set(4, nmadd(get('tb'), k4(2), get('ta'))),
    set(5, nmadd(x[3], k4(5), madd(x[1], k4(4), x[5]))),
  ];
}

/** A^T m of the 6 expressions `m`: the 4 results' expressions, after the returned instructions (temps $ta-$td). */
function winoOut4Line(m) {
  return {
    code: [
      `(local.set $ta (f32x4.add ${m[1]} ${m[2]})) (local.set $tb (f32x4.sub ${m[1]} ${m[2]}))`,
      `(local.set $tc (f32x4.add ${m[3]} ${m[4]})) (local.set $td (f32x4.sub ${m[3]} ${m[4]}))`,
    ],
    out: [
      `(f32x4.add (f32x4.add ${m[0]} ${get('ta')}) ${get('tc')})`,
      madd(get('td'), k4(2), get('tb')),
      madd(get('tc'), k4(4), get('ta')),
      `(f32x4.add ${madd(get('td'), k4(8), get('tb'))} ${m[5]})`,
    ],
  };
}

/** F(4x4, 3x3) input transform: the tile's 6x6 patch (rows rs bytes apart) to slabs e = 6 row + column (vs apart). */
function winoIn4() {
  const body = [];
  const row = (i) => (i === 0 ? get('ps') : `(i32.add ${get('ps')} ${get(`r${i}`)})`);
  const at = (i, j) => (j === 0 ? row(i) : `(i32.add ${row(i)} ${get(`x${j}`)})`);
  for (let j = 0; j < 6; j++) {
    body.push(...Array.from({ length: 6 }, (_, i) => `(local.set $d${i} (v128.load ${at(i, j)}))`));
    body.push(...winoIn4Line(Array.from({ length: 6 }, (_, i) => get(`d${i}`)), (i) => `t${i}${j}`));
  }
  for (let i = 0; i < 6; i++) {
    body.push(...winoIn4Line(Array.from({ length: 6 }, (_, j) => get(`t${i}${j}`)), (k) => `d${k}`));
    for (let k = 0; k < 6; k++) body.push(`(v128.store ${strided('pq', 'vs', 6 * i + k)} ${get(`d${k}`)})`);
  }
  const locals = ['r1 i32', 'r2 i32', 'r3 i32', 'r4 i32', 'r5 i32', 'x1 i32', 'x2 i32', 'x3 i32', 'x4 i32', 'x5 i32', 'ta v128', 'tb v128', ...k4Locals];
  for (let i = 0; i < 6; i++) locals.push(`d${i} v128`);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) locals.push(`t${i}${j} v128`);
  const setup = [...k4Setup];
  for (let i = 1; i < 6; i++) setup.push(`(local.set $r${i} (i32.mul ${get('rs')} (i32.const ${i}))) (local.set $x${i} (i32.mul ${get('px')} (i32.const ${i})))`);
  return tileLoop('wino4_in', ['src', 'v', 'tiles', 'c4', 'rs', 'vs'], locals, setup, body, [`(i32.shl ${get('px')} (i32.const 2))`, get('px')]);
}

/** F(4x4, 3x3) output transform: a tile's 36 products (slabs ms apart, tiles mt apart) to its 4x4 pixels (rows ry apart). */
function winoOut4() {
  const body = [];
  for (let j = 0; j < 6; j++) {
    const { code, out } = winoOut4Line(Array.from({ length: 6 }, (_, i) => `(v128.load ${strided('ps', 'ms', 6 * i + j)})`));
    body.push(...code, ...out.map((e, i) => `(local.set $r${i}${j} ${e})`));
  }
  for (let i = 0; i < 4; i++) {
    const { code, out } = winoOut4Line(Array.from({ length: 6 }, (_, j) => get(`r${i}${j}`)));
    const dst = (k) => {
      const y = i === 0 ? get('pq') : `(i32.add ${get('pq')} ${get(`y${i}`)})`;
      return k === 0 ? y : `(i32.add ${y} ${get(`x${k}`)})`;
    };
    body.push(...code, ...out.map((e, k) => `(v128.store ${dst(k)} ${e})`));
  }
  const locals = ['y1 i32', 'y2 i32', 'y3 i32', 'x1 i32', 'x2 i32', 'x3 i32', 'ta v128', 'tb v128', 'tc v128', 'td v128', ...k4Locals];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) locals.push(`r${i}${j} v128`);
  const setup = [...k4Setup];
  for (let i = 1; i < 4; i++) setup.push(`(local.set $y${i} (i32.mul ${get('ry')} (i32.const ${i}))) (local.set $x${i} (i32.mul ${get('px')} (i32.const ${i})))`);
  return tileLoop('wino4_out', ['m', 'y', 'tiles', 'c4', 'mt', 'ms', 'ry'], locals, setup, body, [get('mt'), `(i32.shl ${get('px')} (i32.const 2))`]);
}

/**
 * The F(3x3, 4x4) filter gradient's transform of a 4x4 tile of dy, A d A^T, A (6 x 4) the transpose of F(4x4,
 * 3x3)'s A^T: per line (d0, d0 + d1 + d2 + d3, d0 - d1 + d2 - d3, d0 + 2 d1 + 4 d2 + 8 d3, d0 - 2 d1 + 4 d2 - 8 d3,
 * d3), along columns, then rows; into slabs e = 6 row + column (es apart), tile i at e + i ts.
 */
function winoDy4() {
  const line = (d, set) => [
    `(local.set $ta (f32x4.add ${d[0]} ${d[2]})) (local.set $tb (f32x4.add ${d[1]} ${d[3]}))`,
    `(local.set $tc ${madd(d[2], k4(4), d[0])}) (local.set $td ${madd(d[3], k4(4), d[1])})`,
    set(0, d[0]), set(1, `(f32x4.add ${get('ta')} ${get('tb')})`), set(2, `(f32x4.sub ${get('ta')} ${get('tb')})`),
    set(3, madd(get('td'), k4(2), get('tc'))), set(4, nmadd(get('td'), k4(2), get('tc'))), set(5, d[3]),
  ];
  const body = [];
  const at = (i, j) => {
    const row = i === 0 ? get('ps') : `(i32.add ${get('ps')} ${get(`r${i}`)})`;
    return j === 0 ? row : `(i32.add ${row} ${get(`x${j}`)})`;
  };
  for (let j = 0; j < 4; j++) {
    body.push(...Array.from({ length: 4 }, (_, i) => `(local.set $d${i} (v128.load ${at(i, j)}))`));
    body.push(...line([0, 1, 2, 3].map((i) => get(`d${i}`)), (i, e) => `(local.set $u${i}${j} ${e})`));
  }
  for (let i = 0; i < 6; i++) body.push(...line([0, 1, 2, 3].map((j) => get(`u${i}${j}`)), (k, e) => `(v128.store ${strided('pq', 'es', 6 * i + k)} ${e})`));
  const locals = ['r1 i32', 'r2 i32', 'r3 i32', 'x1 i32', 'x2 i32', 'x3 i32', 'ta v128', 'tb v128', 'tc v128', 'td v128', ...k4Locals];
  for (let i = 0; i < 4; i++) locals.push(`d${i} v128`);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) locals.push(`u${i}${j} v128`);
  const setup = [...k4Setup];
  for (let i = 1; i < 4; i++) setup.push(`(local.set $r${i} (i32.mul ${get('rs')} (i32.const ${i}))) (local.set $x${i} (i32.mul ${get('px')} (i32.const ${i})))`);
  return tileLoop('wino4_dy', ['src', 'e', 'tiles', 'c4', 'rs', 'es', 'ts'], locals, setup, body, [`(i32.shl ${get('px')} (i32.const 2))`, get('ts')]);
}

/** x / 2 in float64 lanes (the c_half local). */
const half64 = (x) => `(f64x2.mul ${x} ${get('c_half')})`;
/** Lanes 0-1 (h = 0) or 2-3 (h = 1) of a float32 vector, as float64. */
const promoteHalf = (h, v) => (h === 0 ? `(f64x2.promote_low_f32x4 ${v})` : `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${v} ${v}))`);
/** Stores float64 halves (lanes 0-1, 2-3), each rounded once to float32, as one vector at `at`. */
const storeHalves = (at, lo, hi) => `(v128.store ${at} (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero ${lo}) (f32x4.demote_f64x2_zero ${hi})))`;
/** The local `base` plus k times the local `stride`. */
const strided = (base, stride, k) => (k === 0 ? get(base) : `(i32.add ${get(base)} (i32.mul ${get(stride)} (i32.const ${k})))`);

/** G of F(4x4, 3x3) (6 x 3): the filter transform U = G g G^T. */
const G4 = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]];
/** sum_j coefs[j] value(j) in float64 lanes, left to right, zero coefficients skipped. */
function g4Sum(coefs, value) {
  const terms = coefs.flatMap((c, j) => (c === 0 ? [] : [c === 1 ? value(j) : `(f64x2.mul ${value(j)} (v128.const f64x2 ${c} ${c}))`]));
  return terms.reduce((acc, t) => `(f64x2.add ${acc} ${t})`);
}

/**
 * The Winograd filter transform U = G g G^T (G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]) of 4 output
 * channels at a time, in float64 and rounded once to float32 at the store, as the TypeScript it replaces
 * (src/wasm-threads/implicit-conv.ts transformFilter) did: the same bits. Tap t of (ci, co) is at
 * w + ci wci + co wco + t wt (bytes; wt may be negative); U[e] of (ci, co) at u + e slab + (co / 8) 32 C +
 * ci 32 + (co % 8) 4. `gather`: the 4 channels' taps are wco apart (one lane at a time), else contiguous.
 */
function winoFilter(gather, tile = 2) {
  const name = `wino${tile === 4 ? '4' : ''}_filter${gather ? '_gather' : ''}`;
  const E = tile === 4 ? 36 : 16;
  const R = tile === 4 ? 6 : 4;
  const taps = Array.from({ length: 9 }, (_, t) => t);
  const load = (t) => {
    const at = t === 0 ? get('p') : `(i32.add ${get('p')} ${get(`o${t}`)})`;
    if (!gather) return `(v128.load ${at})`;
    let v = `(f32x4.splat (f32.load ${at}))`;
    for (let l = 1; l < 4; l++) v = `(f32x4.replace_lane ${l} ${v} (f32.load (i32.add ${at} ${get(`l${l}`)})))`;
    return v;
  };
  const f = (h, t) => get(`f${h}${t}`);
  const body = [];
  for (const t of taps) body.push(`(local.set $g${t} ${load(t)})`);
  for (const h of [0, 1]) {
    for (const t of taps) body.push(`(local.set $f${h}${t} ${promoteHalf(h, get(`g${t}`))})`);
    for (let j = 0; j < 3; j++) {
      if (tile === 4) {
        // The rows of G g, G of F(4x4, 3x3): sums of the filter's rows (taps 3 t + j) times G's entries.
        for (let i = 0; i < 6; i++) body.push(`(local.set $r${h}${i}${j} ${g4Sum(G4[i], (t) => f(h, 3 * t + j))})`);
        continue;
      }
      // The rows of G g: (g0 g1 g2), ((g0 + g3 + g6) / 2 ...), ((g0 - g3 + g6) / 2 ...), (g6 g7 g8).
      body.push(`(local.set $r${h}0${j} ${f(h, j)})`);
      body.push(`(local.set $r${h}1${j} ${half64(`(f64x2.add (f64x2.add ${f(h, j)} ${f(h, 3 + j)}) ${f(h, 6 + j)})`)})`);
      body.push(`(local.set $r${h}2${j} ${half64(`(f64x2.add (f64x2.sub ${f(h, j)} ${f(h, 3 + j)}) ${f(h, 6 + j)})`)})`);
      body.push(`(local.set $r${h}3${j} ${f(h, 6 + j)})`);
    }
  }
  // Each row (a b c) times G^T: for F(2x2, 3x3) a, (a + b + c) / 2, (a - b + c) / 2, c; both halves rounded
  // and joined.
  const out = (h, e) => {
    const [a, b, c] = [0, 1, 2].map((j) => get(`r${h}${Math.floor(e / R)}${j}`));
    const k = e % R;
    if (tile === 4) return g4Sum(G4[k], (j) => [a, b, c][j]);
    return k === 0 ? a : k === 1 ? half64(`(f64x2.add (f64x2.add ${a} ${b}) ${c})`) : k === 2 ? half64(`(f64x2.add (f64x2.sub ${a} ${b}) ${c})`) : c;
  };
  for (let e = 0; e < E; e++) body.push(storeHalves(strided('d', 'slab', e), out(0, e), out(1, e)));
  const locals = ['q i32', 'j i32', 'pq i32', 'dq i32', 'p i32', 'd i32', 'c_half v128', ...taps.slice(1).map((t) => `o${t} i32`), 'l1 i32', 'l2 i32', 'l3 i32'];
  for (const t of taps) locals.push(`g${t} v128`);
  for (const h of [0, 1]) {
    for (const t of taps) locals.push(`f${h}${t} v128`);
    for (let i = 0; i < R; i++) for (let j = 0; j < 3; j++) locals.push(`r${h}${i}${j} v128`);
  }
  return [
    `  (func (export "${name}") ${['w', 'u', 'c', 'q4', 'slab', 'wci', 'wco', 'wt'].map((q) => `(param $${q} i32)`).join(' ')}`,
    `    ${locals.map((l) => `(local $${l})`).join(' ')}`,
    `    (local.set $c_half (v128.const f64x2 0.5 0.5))`,
    ...taps.slice(1).map((t) => `    (local.set $o${t} (i32.mul ${get('wt')} (i32.const ${t})))`),
    ...[1, 2, 3].map((l) => `    (local.set $l${l} (i32.mul ${get('wco')} (i32.const ${l})))`),
    `    (local.set $pq ${get('w')}) (local.set $q (i32.const 0))`,
    '    (loop $block',
    // Channels 4q..4q+3 sit in panel q / 2, half q % 2.
    `      (local.set $dq (i32.add ${get('u')} (i32.add (i32.mul (i32.shr_u ${get('q')} (i32.const 1)) (i32.shl ${get('c')} (i32.const 5))) (i32.shl (i32.and ${get('q')} (i32.const 1)) (i32.const 4)))))`,
    `      (local.set $p ${get('pq')}) (local.set $d ${get('dq')}) (local.set $j ${get('c')})`,
    '      (loop $ci',
    ...body.map((l) => `        ${l}`),
    `        (local.set $p (i32.add ${get('p')} ${get('wci')})) (local.set $d (i32.add ${get('d')} (i32.const 32)))`,
    `        (br_if $ci (local.tee $j (i32.sub ${get('j')} (i32.const 1)))))`,
    `      (local.set $pq (i32.add ${get('pq')} (i32.shl ${get('wco')} (i32.const 2))))`,
    `      (br_if $block (i32.lt_u (local.tee $q (i32.add ${get('q')} (i32.const 1))) ${get('q4')})))`,
    '  )',
  ].join('\n');
}

/**
 * The Winograd filter gradient's last step for 4 output channels at a time: the tile ranges' partial products
 * summed in range order in float32 (m = P0 + P1 + ..., as repeated mp_sum did), then dW = G^T m G (G^T = [1 1/2
 * 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1]) in float64, rounded once at the store, as the TypeScript it replaces did.
 * Partial r of (ci, co), slab e, at p + r rs + e slab + ci cp + co 4; dW tap t at dw + t tap + ci dci + co 4;
 * `tiles` input channels, `c4` groups of 4 output channels.
 */
function winoFilterBack(tile = 2) {
  const body = [];
  const E = (tile + 2) * (tile + 2);
  const m = (e) => get(`m${e}`);
  for (let e = 0; e < E; e++) body.push(`(local.set $m${e} (v128.load ${strided('ps', 'slab', e)}))`);
  body.push(`(local.set $r ${get('ranges')}) (local.set $pr ${get('ps')})`);
  body.push('(block $sum_done (loop $sum');
  body.push(`  (br_if $sum_done (i32.le_u (local.tee $r (i32.sub ${get('r')} (i32.const 1))) (i32.const 0)))`);
  body.push(`  (local.set $pr (i32.add ${get('pr')} ${get('rs')}))`);
  for (let e = 0; e < E; e++) body.push(`  (local.set $m${e} (f32x4.add ${m(e)} (v128.load ${strided('pr', 'slab', e)})))`);
  body.push('  (br $sum)))');
  if (tile === 4) return winoFilterBack4(body);
  for (const h of [0, 1]) {
    // Columns: rows 0-2 of G^T m, r(i, j), from m(row, j) = slab 4 row + j.
    for (let j = 0; j < 4; j++) {
      body.push(['a', 'b', 'c', 'd'].map((v, i) => `(local.set $${v} ${promoteHalf(h, m(4 * i + j))})`).join(' '));
      body.push(`(local.set $t${h}0${j} (f64x2.add ${get('a')} ${half64(`(f64x2.add ${get('b')} ${get('c')})`)}))`);
      body.push(`(local.set $t${h}1${j} ${half64(`(f64x2.sub ${get('b')} ${get('c')})`)})`);
      body.push(`(local.set $t${h}2${j} (f64x2.add ${half64(`(f64x2.add ${get('b')} ${get('c')})`)} ${get('d')}))`);
    }
  }
  // Then each row (a b c d) times G: a + (b + c) / 2, (b - c) / 2, (b + c) / 2 + d: taps 3 i, 3 i + 1, 3 i + 2.
  const out = (h, t) => {
    const [a, b, c, d] = [0, 1, 2, 3].map((j) => get(`t${h}${Math.floor(t / 3)}${j}`));
    const k = t % 3;
    return k === 0 ? `(f64x2.add ${a} ${half64(`(f64x2.add ${b} ${c})`)})` : k === 1 ? half64(`(f64x2.sub ${b} ${c})`) : `(f64x2.add ${half64(`(f64x2.add ${b} ${c})`)} ${d})`;
  };
  for (let t = 0; t < 9; t++) body.push(storeHalves(strided('pq', 'tap', t), out(0, t), out(1, t)));
  const locals = ['r i32', 'pr i32', 'c_half v128', 'a v128', 'b v128', 'c v128', 'd v128'];
  for (let e = 0; e < 16; e++) locals.push(`m${e} v128`);
  for (const h of [0, 1]) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) locals.push(`t${h}${i}${j} v128`);
  // Input channels as the outer loop (`tiles` of them), 4 output channels a step of the inner one (`c4`).
  return tileLoop('wino_filter_back', ['p', 'dw', 'tiles', 'ranges', 'rs', 'slab', 'cp', 'dci', 'tap', 'c4'], locals, ['(local.set $c_half (v128.const f64x2 0.5 0.5))'], body, [get('cp'), get('dci')]);
}

/** F(3x3, 4x4): dW = G^T m G with G of F(4x4, 3x3) (G4), from the 36 summed slabs in $m0..$m35 (after `body`). */
function winoFilterBack4(body) {
  for (const h of [0, 1]) {
    for (let e = 0; e < 36; e++) body.push(`(local.set $f${e} ${promoteHalf(h, get(`m${e}`))})`);
    // Rows of G^T m: t(i, b) = sum_a G(a, i) m(a, b); then dW(i, j) = sum_b t(i, b) G(b, j).
    for (let i = 0; i < 3; i++) for (let b = 0; b < 6; b++) body.push(`(local.set $t${h}${i}${b} ${g4Sum(G4.map((row) => row[i]), (a) => get(`f${6 * a + b}`))})`);
  }
  const out = (h, t) => g4Sum(G4.map((row) => row[t % 3]), (b) => get(`t${h}${Math.floor(t / 3)}${b}`));
  for (let t = 0; t < 9; t++) body.push(storeHalves(strided('pq', 'tap', t), out(0, t), out(1, t)));
  const locals = ['r i32', 'pr i32'];
  for (let e = 0; e < 36; e++) locals.push(`m${e} v128`, `f${e} v128`);
  for (const h of [0, 1]) for (let i = 0; i < 3; i++) for (let b = 0; b < 6; b++) locals.push(`t${h}${i}${b} v128`);
  return tileLoop('wino4_filter_back', ['p', 'dw', 'tiles', 'ranges', 'rs', 'slab', 'cp', 'dci', 'tap', 'c4'], locals, [], body, [get('cp'), get('dci')]);
}

/** The module's text; it imports the tfjs wasm backend's heap as env.memory and runs in place on tensors. */
export function elementwiseWat({ fma = false } = {}) {
  FMA = fma;
  return ['(module', '  (import "env" "memory" (memory 1))', mpSilu(), mpSiluGrad(), mpSiluMod(), mpSiluModGrad(), mpSum(), clipGrad(), scaleRows(), padRows(), padRowsAct(), down2x(), up2x(), colSums(), colScale(), rowNormalize(false), rowNormalize(true), winoIn(), winoOut(), winoDy(), winoFilter(false), winoFilter(true), winoFilterBack(), copyRows(), packT(), winoIn4(), winoOut4(), winoFilter(false, 4), winoFilter(true, 4), winoDy4(), winoFilterBack(4), ')'].join('\n');
}
