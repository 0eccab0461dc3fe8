/** The gradient of mpCat: da = ca dy[:, :na], db = cb dy[:, na:] per row, one pass. */
export function mpCatGrad(dy: Float32Array, na: number, nb: number, ca: number, cb: number, da: Float32Array, db: Float32Array): void {
  const rows = da.length / na;
  const [fa, fb] = [Math.fround(ca), Math.fround(cb)];
  for (let r = 0, o = 0; r < rows; r++) {
    for (let j = 0, ia = r * na; j < na; j++) da[ia + j] = fa * dy[o++];
    for (let j = 0, ib = r * nb; j < nb; j++) db[ib + j] = fb * dy[o++];
  }
}
