import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { UnetInputError } from './errors';
import { toVariable } from './to-variable';

/** A plain velocity MLP for vector data (the 2-D toys): JSON-safe config. */
export interface MlpConfig {
  /** Data dimension. */
  dim: number;
  /** Hidden width. */
  hidden: number;
  /** Number of hidden layers. */
  depth: number;
  /** Sinusoidal time features (even). */
  timeFeatures: number;
  activation: 'silu' | 'tanh';
  /**
   * Number of classes of a class-conditional MLP (0 or absent: unconditional). The one-hot label is
   * concatenated to the input, so the first layer learns one embedding per class; an all-zero row is the
   * unconditional branch (label dropout).
   */
  labelDim?: number;
}

export const defaultMlpConfig: MlpConfig = { dim: 2, hidden: 128, depth: 3, timeFeatures: 16, activation: 'silu' };

function validate(c: MlpConfig): void {
  for (const [k, v] of [['dim', c.dim], ['hidden', c.hidden], ['depth', c.depth]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new UnetInputError(`mlp config: ${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(c.timeFeatures) || c.timeFeatures < 0 || c.timeFeatures % 2 !== 0) {
    throw new UnetInputError(`mlp config: timeFeatures must be an even integer >= 0, got ${c.timeFeatures}`);
  }
  if (c.activation !== 'silu' && c.activation !== 'tanh') throw new UnetInputError(`mlp config: activation must be 'silu' or 'tanh', got '${c.activation}'`);
  const l = c.labelDim ?? 0;
  if (!Number.isInteger(l) || l < 0) throw new UnetInputError(`mlp config: labelDim must be an integer >= 0, got ${l}`);
}

/** Names and shapes of the MLP's variables, in order: layer{i}.weight [in, out], layer{i}.bias [out]. */
export function mlpParameterSpecs(config: MlpConfig): { name: string; shape: number[] }[] {
  validate(config);
  const widths = [config.dim + 1 + config.timeFeatures + (config.labelDim ?? 0), ...Array(config.depth).fill(config.hidden), config.dim];
  const out: { name: string; shape: number[] }[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    out.push({ name: `layer${i}.weight`, shape: [widths[i], widths[i + 1]] });
    out.push({ name: `layer${i}.bias`, shape: [widths[i + 1]] });
  }
  return out;
}

export function countMlpParameters(config: MlpConfig): number {
  return mlpParameterSpecs(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * A velocity MLP v(x, t) for [batch, dim] data: input [x, t, sin/cos(f_j t)] with f_j geometric from 1 to
 * 100 (times pi), `depth` hidden layers with biases, linear output. Fits `@flow/solvers`' VelocityField.
 */
export class MlpVelocityNet {
  readonly variables: Record<string, tf.Variable>;
  private readonly freqs: Float32Array;

  constructor(
    readonly config: MlpConfig,
    variables: Record<string, tf.Variable>,
  ) {
    for (const s of mlpParameterSpecs(config)) {
      const v = variables[s.name];
      if (!v || v.shape.join(',') !== s.shape.join(',')) throw new UnetInputError(`mlp: variable '${s.name}' missing or not of shape [${s.shape}]`);
    }
    this.variables = variables;
    const m = config.timeFeatures / 2;
    this.freqs = new Float32Array(m);
    for (let j = 0; j < m; j++) this.freqs[j] = Math.PI * 100 ** (m === 1 ? 0 : j / (m - 1));
  }

  get inputShape(): number[] {
    return [this.config.dim];
  }

  trainableVariables(): tf.Variable[] {
    return mlpParameterSpecs(this.config).map((s) => this.variables[s.name]);
  }

  get parameterCount(): number {
    return countMlpParameters(this.config);
  }

  /**
   * Velocity at (x, t); `labels` ([batch, labelDim] one-hot, all-zero rows = unconditional) only for a
   * class-conditional MLP, where leaving them out means unconditional for every row.
   */
  forward(x: tf.Tensor, t: tf.Tensor | number, labels?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      if (x.rank !== 2 || x.shape[1] !== this.config.dim) throw new UnetInputError(`x: expected shape [batch, ${this.config.dim}], got [${x.shape.join(', ')}]`);
      const batch = x.shape[0];
      const labelDim = this.config.labelDim ?? 0;
      if (labels && labelDim === 0) throw new UnetInputError('labels: this network is unconditional (labelDim 0)');
      if (labels && (labels.rank !== 2 || labels.shape[0] !== batch || labels.shape[1] !== labelDim)) {
        throw new UnetInputError(`labels: expected shape [${batch}, ${labelDim}] (one-hot), got [${labels.shape.join(', ')}]`);
      }
      const tt = typeof t === 'number' ? tf.fill([batch, 1], t) : t.size === 1 ? tf.mul(tf.ones([batch, 1]), tf.reshape(t, [])) : tf.reshape(t, [batch, 1]);
      const parts: tf.Tensor[] = [x, tt];
      if (this.freqs.length > 0) {
        const arg = tf.mul(tt, tf.tensor(this.freqs, [1, this.freqs.length]));
        parts.push(tf.sin(arg), tf.cos(arg));
      }
      if (labelDim > 0) parts.push(labels ?? tf.zeros([batch, labelDim]));
      let h: tf.Tensor = tf.concat(parts, 1);
      const layers = this.config.depth + 1;
      for (let i = 0; i < layers; i++) {
        h = tf.add(tf.matMul(h as tf.Tensor2D, this.variables[`layer${i}.weight`] as tf.Tensor2D), this.variables[`layer${i}.bias`]);
        if (i + 1 < layers) h = this.config.activation === 'silu' ? tf.mul(h, tf.sigmoid(h)) : tf.tanh(h);
      }
      return h as tf.Tensor2D;
    });
  }

  readonly velocity = (x: tf.Tensor, t: tf.Tensor1D | number): tf.Tensor => this.forward(x, t);

  load(tensors: Record<string, tf.Tensor>): void {
    for (const [name, value] of Object.entries(tensors)) {
      const v = this.variables[name];
      if (!v) throw new UnetInputError(`mlp: unknown tensor '${name}'`);
      if (v.shape.join(',') !== value.shape.join(',')) throw new UnetInputError(`mlp: tensor '${name}' has shape [${value.shape}], expected [${v.shape}]`);
      v.assign(value);
    }
  }

  dispose(): void {
    for (const v of Object.values(this.variables)) v.dispose();
  }
}

/** Allocates a velocity MLP with seeded LeCun-normal weights (N(0, 1/fan_in)) and zero biases. */
export function createMlpVelocityNet(config: Partial<MlpConfig> = {}, opts: { seed?: number } = {}): MlpVelocityNet {
  const c: MlpConfig = { ...defaultMlpConfig, ...config };
  const base = new Rng(opts.seed ?? 0);
  const variables: Record<string, tf.Variable> = {};
  mlpParameterSpecs(c).forEach((s, i) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (s.shape.length === 2) {
      base.fork(i).fillNormal(data);
      const k = 1 / Math.sqrt(s.shape[0]);
      for (let j = 0; j < size; j++) data[j] *= k;
    }
    variables[s.name] = toVariable(data, s.shape, true);
  });
  return new MlpVelocityNet(c, variables);
}
