import type { Rng } from '@flow/random';

export function normals(rng: Rng, n: number): Float32Array {
  return rng.fillNormal(new Float32Array(n));
}

/** expectArraysClose-style check scaled by the largest reference entry (float32 sums of many terms). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, rtol = 1e-4, atol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} != ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  if (!(worst <= rtol * scale + atol)) throw new Error(`${label}: max abs diff ${worst} at ${at} (${actual[at]} vs ${expected[at]}; scale ${scale})`);
}
