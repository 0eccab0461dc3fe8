/**
 * Uniform dequantisation of 8-bit values into the training range [-1, 1]: x = (k + u - 0.5) / 127.5 - 1 with
 * u ~ U[0, 1) (a cell of width 1 / 127.5 centred on the training map k / 127.5 - 1). The convention `bitsPerDim`
 * assumes. `uniform` is a seeded stream, e.g. `new Rng(seed)` from @flow/random.
 */
export function dequantizeUint8(k: ArrayLike<number>, uniform: { uniform(): number }): Float32Array {
  const out = new Float32Array(k.length);
  for (let i = 0; i < k.length; i++) out[i] = (k[i]! + uniform.uniform() - 0.5) / 127.5 - 1;
  return out;
}
