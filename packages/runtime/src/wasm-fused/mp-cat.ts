/** EDM2's mp_cat along the last axis: rows of y = [ca a_row (na values), cb b_row (nb values)], one pass. */
export function mpCat(a: Float32Array, b: Float32Array, na: number, nb: number, ca: number, cb: number, y: Float32Array): void {
  const rows = a.length / na;
  const [fa, fb] = [Math.fround(ca), Math.fround(cb)];
  for (let r = 0, o = 0; r < rows; r++) {
    for (let j = 0, ia = r * na; j < na; j++) y[o++] = fa * a[ia + j];
    for (let j = 0, ib = r * nb; j < nb; j++) y[o++] = fb * b[ib + j];
  }
}
