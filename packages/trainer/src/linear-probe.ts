import { TrainerInputError } from './errors';

export interface LinearProbeData {
  /** Row-major features, n x dim. */
  features: Float64Array | Float32Array;
  labels: Int32Array;
}

export interface LinearProbeResult {
  /** Accuracy on the test rows. */
  accuracy: number;
  /** Accuracy on the rows the classifier was fit on. */
  trainAccuracy: number;
  classes: number;
}

/**
 * A closed-form ridge classifier (the usual "linear probe" of representation quality): features standardised
 * with the training rows' mean and std, one-hot targets, W = (F'F + lambda n I)^-1 F'Y by Cholesky; the
 * predicted class is the arg-max score. Deterministic, no iterations to tune.
 */
export function linearProbe(train: LinearProbeData, test: LinearProbeData, dim: number, options: { lambda?: number } = {}): LinearProbeResult {
  const lambda = options.lambda ?? 1e-3;
  const n = train.labels.length;
  if (n === 0 || train.features.length !== n * dim) throw new TrainerInputError(`linear probe: ${n} training rows need ${n * dim} feature values, got ${train.features.length}`);
  if (test.features.length !== test.labels.length * dim) throw new TrainerInputError(`linear probe: test features do not match ${test.labels.length} rows of ${dim}`);
  if (!(lambda > 0)) throw new TrainerInputError(`linear probe: lambda must be > 0, got ${lambda}`);
  let classes = 0;
  for (const y of [...train.labels, ...test.labels]) {
    if (!(Number.isInteger(y) && y >= 0)) throw new TrainerInputError(`linear probe: labels must be integers >= 0, got ${y}`);
    classes = Math.max(classes, y + 1);
  }
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += train.features[i * dim + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) std[j] += (train.features[i * dim + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < dim; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const standard = (f: Float64Array | Float32Array, rows: number): Float64Array => {
    const out = new Float64Array(rows * dim);
    for (let i = 0; i < rows; i++) for (let j = 0; j < dim; j++) out[i * dim + j] = (f[i * dim + j]! - mean[j]!) / std[j]!;
    return out;
  };
  const f = standard(train.features, n);
  // A = F'F + lambda n I (dim x dim), B = F'(Y - mean Y) (dim x classes).
  const a = new Float64Array(dim * dim);
  const b = new Float64Array(dim * classes);
  const yMean = new Float64Array(classes);
  for (const y of train.labels) yMean[y] += 1 / n;
  for (let i = 0; i < n; i++) {
    const row = f.subarray(i * dim, (i + 1) * dim);
    for (let p = 0; p < dim; p++) {
      const v = row[p]!;
      if (v === 0) continue;
      for (let q = p; q < dim; q++) a[p * dim + q] += v * row[q]!;
      for (let c = 0; c < classes; c++) b[p * classes + c] += v * ((train.labels[i] === c ? 1 : 0) - yMean[c]!);
    }
  }
  for (let p = 0; p < dim; p++) {
    a[p * dim + p] += lambda * n;
    for (let q = 0; q < p; q++) a[p * dim + q] = a[q * dim + p]!;
  }
  // Cholesky A = L L', then two triangular solves per class.
  for (let j = 0; j < dim; j++) {
    let d = a[j * dim + j]!;
    for (let k = 0; k < j; k++) d -= a[j * dim + k]! ** 2;
    const ljj = Math.sqrt(Math.max(d, 1e-300));
    a[j * dim + j] = ljj;
    for (let i = j + 1; i < dim; i++) {
      let s = a[i * dim + j]!;
      for (let k = 0; k < j; k++) s -= a[i * dim + k]! * a[j * dim + k]!;
      a[i * dim + j] = s / ljj;
    }
  }
  const w = new Float64Array(dim * classes);
  const z = new Float64Array(dim);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < dim; i++) {
      let s = b[i * classes + c]!;
      for (let k = 0; k < i; k++) s -= a[i * dim + k]! * z[k]!;
      z[i] = s / a[i * dim + i]!;
    }
    for (let i = dim - 1; i >= 0; i--) {
      let s = z[i]!;
      for (let k = i + 1; k < dim; k++) s -= a[k * dim + i]! * w[k * classes + c]!;
      w[i * classes + c] = s / a[i * dim + i]!;
    }
  }
  const accuracy = (g: Float64Array, labels: Int32Array): number => {
    let right = 0;
    for (let i = 0; i < labels.length; i++) {
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < classes; c++) {
        let s = yMean[c]!;
        for (let p = 0; p < dim; p++) s += g[i * dim + p]! * w[p * classes + c]!;
        if (s > bestScore) (bestScore = s), (best = c);
      }
      if (best === labels[i]) right++;
    }
    return labels.length === 0 ? 0 : right / labels.length;
  };
  return { accuracy: accuracy(standard(test.features, test.labels.length), test.labels), trainAccuracy: accuracy(f, train.labels), classes };
}
