/** y = ca a + cb b (EDM2's mp_sum with its constants folded in), one pass. */
export function mpSum(a: Float32Array, b: Float32Array, ca: number, cb: number, y: Float32Array): void {
  const [fa, fb] = [Math.fround(ca), Math.fround(cb)]; // float32 constants, as the composite multiplies by
  for (let i = 0; i < a.length; i++) y[i] = fa * a[i] + fb * b[i];
}
