import { requireBinding } from './availability';

/** EDM2's mp_cat along the last axis with its constants folded in: rows of y = [ca a_row, cb b_row], one pass. */
export function mpCat(a: Float32Array, b: Float32Array, na: number, nb: number, ca: number, cb: number, y: Float32Array): void {
  requireBinding().mpCat(a, b, na, nb, ca, cb, y);
}

/** The gradient of mpCat: da = ca dy[:, :na], db = cb dy[:, na:], one pass. */
export function mpCatGrad(dy: Float32Array, na: number, nb: number, ca: number, cb: number, da: Float32Array, db: Float32Array): void {
  requireBinding().mpCatGrad(dy, na, nb, ca, cb, da, db);
}
