/** dx = dy where lo <= x <= hi, else 0: the gradient of clip_by_value in one pass. */
export function clipByValueGrad(x: Float32Array, dy: Float32Array, lo: number, hi: number, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    dx[i] = v >= lo && v <= hi ? dy[i] : 0;
  }
}
