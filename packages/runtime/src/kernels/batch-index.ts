/** Flat index into a (possibly broadcast) batch of `shape` for each flat index of `outShape`. */
export function batchIndex(shape: number[], outShape: number[]): (i: number) => number {
  const lead = outShape.length - shape.length;
  const strides: number[] = new Array(outShape.length).fill(0);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d + lead] = shape[d] === 1 ? 0 : s;
    s *= shape[d];
  }
  return (i: number) => {
    let r = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const q = i % outShape[d];
      r += q * strides[d];
      i = (i - q) / outShape[d];
    }
    return r;
  };
}
