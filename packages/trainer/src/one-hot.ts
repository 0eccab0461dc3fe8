/**
 * One-hot rows ([labels.length, classes], C order) for class indices; a label of -1 gives the all-zero row,
 * the unconditional input of a class-conditional network.
 */
export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => {
    if (c >= 0) out[i * classes + c] = 1;
  });
  return out;
}
