// Generates the WebAssembly text of the cost-matrix kernels. The kernels are written out by a generator
// rather than by hand because the register tile (MR x NR accumulators) and the unrolling are unrolled
// at generation time; scripts/build-wasm.mjs assembles the text with wabt and embeds the binary.
//
// Data layout (prepared by src/cost/backend-wasm.ts): both point sets are centred, zero-padded to a
// multiple of `L * U` columns and to whole panels, and packed in panels of MR (x) or NR (z) rows where,
// for every chunk of L consecutive coordinates, the MR (NR) vectors of the panel's rows are adjacent.
// A microkernel then walks one pointer per operand with static load offsets.
//
// Exports, per element type T (f32, f64):
//   gemm_T(xp, zp, cp, npx, npz, kc, ldcB, xs, zs, accumulate)
//     for ip < npx, jp < npz: C[ip*MR + a][jp*NR + b] (+)= -2 * dot over kc chunks
//   finalize_T(cp, nxp, nzp, nrows, ncols, ldcB)
//     C[i][j] = max(0, nx[i] + nz[j] + C[i][j]) for ncols a multiple of L (NaN stays NaN)

/** Register tile and unrolling chosen by measurement (see src/cost/README-backends.md). */
export const KERNEL_TILE = { mr: 4, nr: 3, unroll: 2 };

export function generateWat({ mr = 3, nr = 3, unroll = 2, fma = false } = {}) {
  const parts = ['(module', '  (import "env" "memory" (memory 1 65536 shared))'];
  for (const t of ['f32', 'f64']) parts.push(gemm(t, mr, nr, unroll, fma), finalize(t));
  parts.push(')');
  return parts.join('\n');
}

function laneInfo(t) {
  return t === 'f32' ? { L: 4, E: 4, v: 'f32x4' } : { L: 2, E: 8, v: 'f64x2' };
}

function gemm(t, MR, NR, U, fma) {
  const { L, E, v } = laneInfo(t);
  const xStep = MR * L * E;
  const zStep = NR * L * E;
  const lines = [];
  const p = (s) => lines.push(s);
  p(`  (func (export "gemm_${t}") (param $xp i32) (param $zp i32) (param $cp i32) (param $npx i32) (param $npz i32)`);
  p(`    (param $kc i32) (param $ldcB i32) (param $xs i32) (param $zs i32) (param $accum i32)`);
  p(`    (local $ip i32) (local $jp i32) (local $px i32) (local $pz i32) (local $pend i32) (local $crow i32) (local $r i32)`);
  p(`    (local $x v128) (local $s v128)`);
  for (let b = 0; b < NR; b++) p(`    (local $z${b} v128)`);
  for (let a = 0; a < MR; a++) for (let b = 0; b < NR; b++) p(`    (local $a${a}_${b} v128)`);
  p(`    (local.set $ip (i32.const 0))`);
  p(`    (block $doneI (loop $loopI`);
  p(`      (br_if $doneI (i32.ge_u (local.get $ip) (local.get $npx)))`);
  p(`      (local.set $jp (i32.const 0))`);
  p(`      (block $doneJ (loop $loopJ`);
  p(`        (br_if $doneJ (i32.ge_u (local.get $jp) (local.get $npz)))`);
  p(`        (local.set $px (i32.add (local.get $xp) (i32.mul (local.get $ip) (local.get $xs))))`);
  p(`        (local.set $pz (i32.add (local.get $zp) (i32.mul (local.get $jp) (local.get $zs))))`);
  p(`        (local.set $pend (i32.add (local.get $px) (i32.mul (local.get $kc) (i32.const ${xStep}))))`);
  for (let a = 0; a < MR; a++) for (let b = 0; b < NR; b++) p(`        (local.set $a${a}_${b} (v128.const i64x2 0 0))`);
  p(`        (loop $loopK`);
  for (let u = 0; u < U; u++) {
    for (let b = 0; b < NR; b++) p(`          (local.set $z${b} (v128.load offset=${u * zStep + b * L * E} (local.get $pz)))`);
    for (let a = 0; a < MR; a++) {
      p(`          (local.set $x (v128.load offset=${u * xStep + a * L * E} (local.get $px)))`);
      for (let b = 0; b < NR; b++) {
        const acc = `$a${a}_${b}`;
        if (fma) p(`          (local.set ${acc} (${v}.relaxed_madd (local.get $x) (local.get $z${b}) (local.get ${acc})))`);
        else p(`          (local.set ${acc} (${v}.add (local.get ${acc}) (${v}.mul (local.get $x) (local.get $z${b}))))`);
      }
    }
  }
  p(`          (local.set $px (i32.add (local.get $px) (i32.const ${U * xStep})))`);
  p(`          (local.set $pz (i32.add (local.get $pz) (i32.const ${U * zStep})))`);
  p(`          (br_if $loopK (i32.lt_u (local.get $px) (local.get $pend))))`);
  // Row pointer of the tile's first C row: cp + ip*MR*ldcB + jp*NR*E.
  p(`        (local.set $crow (i32.add (local.get $cp) (i32.add (i32.mul (i32.mul (local.get $ip) (i32.const ${MR})) (local.get $ldcB)) (i32.mul (local.get $jp) (i32.const ${NR * E})))))`);
  for (let a = 0; a < MR; a++) {
    p(`        (local.set $r (i32.add (local.get $crow) (i32.mul (local.get $ldcB) (i32.const ${a}))))`);
    for (let b = 0; b < NR; b++) {
      const acc = `$a${a}_${b}`;
      // Horizontal sum of the accumulator's lanes.
      if (L === 4) {
        p(`        (local.set $s (f32x4.add (local.get ${acc}) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get ${acc}) (local.get ${acc}))))`);
        p(`        (local.set $s (f32x4.add (local.get $s) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $s) (local.get $s))))`);
      } else {
        p(`        (local.set $s (f64x2.add (local.get ${acc}) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get ${acc}) (local.get ${acc}))))`);
      }
      const dot = `(${t}.mul (${v}.extract_lane 0 (local.get $s)) (${t}.const -2))`;
      p(`        (if (local.get $accum)`);
      p(`          (then (${t}.store offset=${b * E} (local.get $r) (${t}.add (${t}.load offset=${b * E} (local.get $r)) ${dot})))`);
      p(`          (else (${t}.store offset=${b * E} (local.get $r) ${dot})))`);
    }
  }
  p(`        (local.set $jp (i32.add (local.get $jp) (i32.const 1)))`);
  p(`        (br $loopJ)))`);
  p(`      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))`);
  p(`      (br $loopI)))`);
  p(`  )`);
  return lines.join('\n');
}

function finalize(t) {
  const { L, E, v } = laneInfo(t);
  return `  (func (export "finalize_${t}") (param $cp i32) (param $nxp i32) (param $nzp i32) (param $nrows i32) (param $ncols i32) (param $ldcB i32)
    (local $i i32) (local $p i32) (local $end i32) (local $q i32) (local $s v128)
    (local.set $i (i32.const 0))
    (block $doneI (loop $loopI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $nrows)))
      (local.set $s (${v}.splat (${t}.load (i32.add (local.get $nxp) (i32.mul (local.get $i) (i32.const ${E}))))))
      (local.set $p (i32.add (local.get $cp) (i32.mul (local.get $i) (local.get $ldcB))))
      (local.set $end (i32.add (local.get $p) (i32.mul (local.get $ncols) (i32.const ${E}))))
      (local.set $q (local.get $nzp))
      (block $doneJ (loop $loopJ
        (br_if $doneJ (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p) (${v}.max (v128.const ${v} ${Array(L).fill('0').join(' ')})
          (${v}.add (${v}.add (local.get $s) (v128.load (local.get $q))) (v128.load (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $loopJ)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $loopI)))
  )`;
}
