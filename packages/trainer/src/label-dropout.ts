import type { Rng } from '@flow/random';

/**
 * The labels a training batch sees: each row's label, or -1 (the all-zero one-hot, the unconditional
 * branch) with probability `dropout`. One uniform is drawn per row whatever `dropout` is, so the stream
 * advances by the batch size and a resumed run draws the same decisions.
 */
export function dropLabels(labels: Int32Array, dropout: number, rng: Rng): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = rng.uniform() < dropout ? -1 : labels[i]!;
  return out;
}
