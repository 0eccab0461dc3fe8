import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { configFlags, type Edm2Flags, type UnetConfig } from './config';
import { UnetInputError } from './errors';
import { toVariable } from './to-variable';
import { applyWeight, effectiveWeight, forcedNormalized } from './mp-conv';
import { downsample2x, mpCat, mpFourier, mpSilu, mpSiluModulated, mpSum, normalize, pixelNorm, plainFourier, rmsGroupNorm, scaledConcat, silu } from './mp-ops';
import { bufferSpecs, layerFanIn, parameterSpecs, type ParameterSpec } from './parameter-specs';
import { flowPrecond } from './preconditioning';
import { unetLayout, type BlockSpec, type LayerSpec, type UnetLayout } from './unet-layout';
import { upsample2x } from './mp-ops';
import { fusedSiluConv } from './silu-conv';

/** Source of uniform draws for dropout masks (a `@flow/random` Rng fits). */
export interface UniformSource {
  fillUniform(out: Float32Array): Float32Array;
}

export interface ForwardOptions {
  /** Training mode: applies dropout (when the config has some and `dropoutRng` is given). */
  training?: boolean;
  /** Seeded source of the dropout masks, so training stays reproducible. */
  dropoutRng?: UniformSource;
}

export interface CreateUnetOptions {
  /** Seed of the weight initialisation and of the Fourier-feature buffers. Default 0. */
  seed?: number;
}

function perSample(t: tf.Tensor | number, batch: number): tf.Tensor1D {
  if (typeof t === 'number') return tf.fill([batch], t) as tf.Tensor1D;
  if (t.rank === 1 && t.shape[0] === batch) return t as tf.Tensor1D;
  if (t.size === 1) return tf.mul(tf.ones([batch]), tf.reshape(t, [])) as tf.Tensor1D;
  throw new UnetInputError(`t: expected a number, a scalar or a [${batch}] tensor, got shape [${t.shape.join(', ')}]`);
}

/**
 * The EDM2 U-Net (networks_edm2.py's UNet + Precond) on TensorFlow.js, NHWC, predicting rectified-flow
 * velocity. Weights live in `variables` (flat name -> tf.Variable, trainable), the fixed Fourier
 * frequencies/phases in `buffers` (non-trainable). Create with {@link createEdm2Unet}.
 */
export class Edm2Unet {
  readonly flags: Edm2Flags;
  readonly layout: UnetLayout;
  readonly variables: Record<string, tf.Variable>;
  readonly buffers: Record<string, tf.Variable>;
  private readonly specs: ParameterSpec[];
  /**
   * Layer weights as applied (normalised and scaled), kept between passes outside gradient tapes (sampling) while
   * the stored weight's data and the gain stay the same: an assign (an optimiser step, loading EMA weights)
   * gives the variable new data, and the next pass recomputes.
   */
  private readonly weightCache = new Map<string, { source: object; gain: number; w: tf.Tensor }>();

  constructor(
    readonly config: UnetConfig,
    variables: Record<string, tf.Variable>,
    buffers: Record<string, tf.Variable>,
  ) {
    this.flags = configFlags(config.config);
    this.layout = unetLayout(config);
    this.specs = parameterSpecs(config);
    for (const s of this.specs) {
      const v = variables[s.name];
      if (!v) throw new UnetInputError(`unet: missing variable '${s.name}'`);
      if (v.shape.join(',') !== s.shape.join(',')) throw new UnetInputError(`unet: variable '${s.name}' has shape [${v.shape}], expected [${s.shape}]`);
    }
    this.variables = variables;
    this.buffers = buffers;
  }

  /** Per-sample input shape [resolution, resolution, channels]. */
  get inputShape(): number[] {
    return [this.config.resolution, this.config.resolution, this.config.channels];
  }

  /** Trainable variables in a fixed order (the order of `parameterSpecs`). */
  trainableVariables(): tf.Variable[] {
    return this.specs.map((s) => this.variables[s.name]);
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  }

  /**
   * EDM2's forced weight normalisation (configs E and G): rewrites every stored layer weight to unit RMS per
   * output channel. The trainer calls it before each training step (outside the gradient tape). No-op for C.
   */
  forceWeightNorm(): void {
    if (!this.flags.forcedWeightNorm) return;
    for (const s of this.specs) {
      if (s.fanIn === 0) continue;
      const v = this.variables[s.name];
      const n = forcedNormalized(v);
      v.assign(n);
      n.dispose();
    }
  }

  private layer(x: tf.Tensor, l: LayerSpec, gain: number | tf.Tensor = 1): tf.Tensor {
    return tf.tidy(() => {
      const w = this.layerWeight(l, gain);
      return applyWeight(x, w);
    });
  }

  /** The weight layer `l` applies with `gain` (effectiveWeight), from weightCache where it may be. */
  private layerWeight(l: LayerSpec, gain: number | tf.Tensor): tf.Tensor {
    const v = this.variables[`${l.name}.weight`];
    const compute = () => effectiveWeight(v, layerFanIn(l), gain, this.flags.mpLearnedLayers);
    if (typeof gain !== 'number' || tf.engine().state.gradientDepth > 0) return compute();
    const hit = this.weightCache.get(l.name);
    if (hit && hit.source === v.dataId && hit.gain === gain) return hit.w;
    hit?.w.dispose();
    const w = tf.keep(compute());
    this.weightCache.set(l.name, { source: v.dataId, gain, w });
    return w;
  }

  /**
   * Whether conv layer `l` of mp_silu of its input can run as one kernel with its gradient (silu-conv.ts; the
   * wasm engine applies the activation as the conv pads its input): with EDM2's magnitude-preserving activation
   * and no group norm before it. Values and gradients are the unfused pair's bit for bit.
   */
  private fusesActivation(l: LayerSpec): boolean {
    return this.flags.mpFixedFunction && !this.flags.groupNorm && l.kernel > 1;
  }

  /** conv(mp_silu(x)), or conv(mp_silu(x s)) with per-image channel scales s: one kernel where the backend has it. */
  private siluConv(x: tf.Tensor4D, l: LayerSpec, s?: tf.Tensor2D): tf.Tensor {
    return tf.tidy(() => {
      const filter = this.layerWeight(l, 1) as tf.Tensor4D;
      return fusedSiluConv(x, filter, s) ?? applyWeight(s ? mpSiluModulated(x, s) : mpSilu(x), filter);
    });
  }

  private dropsOut(opts: ForwardOptions): boolean {
    return Boolean(opts.training) && this.config.dropout > 0 && opts.dropoutRng !== undefined;
  }

  private act(x: tf.Tensor): tf.Tensor {
    return this.flags.mpFixedFunction ? mpSilu(x) : silu(x);
  }

  private sum(a: tf.Tensor, b: tf.Tensor, t: number): tf.Tensor {
    return this.flags.mpFixedFunction ? mpSum(a, b, t) : tf.add(a, b);
  }

  private pre(x: tf.Tensor): tf.Tensor {
    return this.flags.groupNorm ? rmsGroupNorm(x) : x;
  }

  private dropout(y: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    const p = this.config.dropout;
    if (!this.dropsOut(opts) || !opts.dropoutRng) return y;
    const u = opts.dropoutRng.fillUniform(new Float32Array(y.size));
    const keep = new Float32Array(y.size);
    for (let i = 0; i < u.length; i++) keep[i] = u[i] >= p ? 1 / (1 - p) : 0;
    return tf.mul(y, tf.tensor(keep, y.shape));
  }

  private attention(x: tf.Tensor4D, b: BlockSpec): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const heads = b.heads;
    const cph = c / heads;
    const hw = h * w;
    const qkvLayer = b.layers.attnQkv as LayerSpec;
    // The stored qkv weight [1, 1, c, 3c] has the official output-channel order (head, channel, q/k/v). Split
    // the small weight, not the activations: three [c, c] weights give q, k, v as plain 2-D matmuls, with no
    // rank-5 split/concat of the [n, hw, 3c] activations (slow on wasm, forward and backward).
    const wqkv = this.layerWeight(qkvLayer, 1);
    const w3 = tf.transpose(tf.reshape(wqkv, [c, c, 3]), [2, 0, 1]); // [3, c_in, c_out]
    const xf = tf.reshape(this.pre(x), [n * hw, c]) as tf.Tensor2D;
    const part = (i: number): tf.Tensor3D => {
      const wi = tf.reshape(tf.slice(w3, [i, 0, 0], [1, c, c]), [c, c]) as tf.Tensor2D;
      // Cosine attention: q, k, v pixel-normalised per head.
      const y = tf.reshape(tf.matMul(xf, wi), [n, hw, heads, cph]);
      const normed = normalize(y, [3]);
      return (heads === 1 ? tf.reshape(normed, [n, hw, cph]) : tf.reshape(tf.transpose(normed, [0, 2, 1, 3]), [n * heads, hw, cph])) as tf.Tensor3D;
    };
    const [q, k, v] = [part(0), part(1), part(2)];
    const logits = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(cph));
    const y = tf.matMul(tf.softmax(logits), v);
    const merged = heads === 1 ? tf.reshape(y, [n, h, w, c]) : tf.reshape(tf.transpose(tf.reshape(y, [n, heads, hw, cph]), [0, 2, 1, 3]), [n, h, w, c]);
    return this.layer(merged, b.layers.attnProj as LayerSpec) as tf.Tensor4D;
  }

  private block(xIn: tf.Tensor4D, emb: tf.Tensor2D, b: BlockSpec, opts: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => {
      let x: tf.Tensor4D = b.resample === 'down' ? downsample2x(xIn) : b.resample === 'up' ? upsample2x(xIn) : xIn;
      if (b.flavor === 'enc') {
        if (b.layers.convSkip) x = this.layer(x, b.layers.convSkip) as tf.Tensor4D;
        if (this.flags.pixelNorm) x = pixelNorm(x) as tf.Tensor4D;
      }
      // Residual branch.
      let y = this.fusesActivation(b.layers.convRes0) ? this.siluConv(x, b.layers.convRes0) : this.layer(this.act(this.pre(x)), b.layers.convRes0);
      const gain = this.flags.learnedGains ? this.variables[`${b.name}.emb_gain`] : 1;
      const c = tf.add(this.layer(emb, b.layers.embLinear, gain), 1) as tf.Tensor2D;
      if (this.fusesActivation(b.layers.convRes1) && !this.dropsOut(opts)) y = this.siluConv(y as tf.Tensor4D, b.layers.convRes1, c);
      else {
        y = this.flags.mpFixedFunction
          ? mpSiluModulated(this.pre(y) as tf.Tensor4D, c)
          : this.act(tf.mul(this.pre(y), tf.reshape(c, [c.shape[0], 1, 1, b.cout])));
        y = this.dropout(y, opts);
        y = this.layer(y, b.layers.convRes1);
      }
      if (b.flavor === 'dec' && b.layers.convSkip) x = this.layer(x, b.layers.convSkip) as tf.Tensor4D;
      x = this.sum(x, y, this.config.resBalance) as tf.Tensor4D;
      if (b.heads !== 0) x = this.sum(x, this.attention(x, b), this.config.attnBalance) as tf.Tensor4D;
      if (this.config.clipAct > 0) x = tf.clipByValue(x, -this.config.clipAct, this.config.clipAct);
      return x;
    });
  }

  /** The noise/label embedding [batch, cemb]. */
  private embedding(cNoise: tf.Tensor1D, labels: tf.Tensor2D | undefined): tf.Tensor2D {
    return tf.tidy(() => {
      const f = this.flags.mpFixedFunction
        ? mpFourier(cNoise, this.buffers['unet.emb_fourier.freqs'], this.buffers['unet.emb_fourier.phases'])
        : plainFourier(cNoise, this.buffers['unet.emb_fourier.freqs']);
      let emb = this.layer(f, this.layout.embNoise);
      if (this.layout.embLabel) {
        const batch = cNoise.shape[0];
        const l = labels ?? tf.zeros([batch, this.config.labelDim]);
        if (l.rank !== 2 || l.shape[1] !== this.config.labelDim) {
          throw new UnetInputError(`labels: expected shape [${batch}, ${this.config.labelDim}] (one-hot), got [${l.shape.join(', ')}]`);
        }
        const e = this.layer(tf.mul(l, Math.sqrt(this.config.labelDim)), this.layout.embLabel);
        emb = this.sum(emb, e, this.config.labelBalance);
      }
      return this.act(emb) as tf.Tensor2D;
    });
  }

  private checkInput(x: tf.Tensor): void {
    const r = this.config.resolution;
    const [, h, w, c] = x.shape;
    if (x.rank !== 4 || h !== r || w !== r || c !== this.config.channels) {
      throw new UnetInputError(`x: expected shape [batch, ${r}, ${r}, ${this.config.channels}] (NHWC), got [${x.shape.join(', ')}]`);
    }
  }

  /** The embedding and the encoder's outputs (input conv first), in the order the decoder pops them. */
  private encode(xIn: tf.Tensor4D, cNoise: tf.Tensor1D, labels: tf.Tensor2D | undefined, opts: ForwardOptions): { emb: tf.Tensor2D; skips: tf.Tensor4D[] } {
    const [n, h, w] = xIn.shape;
    const emb = this.embedding(cNoise, labels);
    let x = this.layer(scaledConcat(xIn, tf.ones([n, h, w, 1]), 1, 1), this.layout.encConv) as tf.Tensor4D;
    const skips: tf.Tensor4D[] = [x];
    for (const b of this.layout.encoder) {
      x = this.block(x, emb, b, opts);
      skips.push(x);
    }
    return { emb, skips };
  }

  /**
   * Representation features at flow time t (for linear probes): the outputs of the input convolution and of
   * every encoder block, each averaged over its pixels, concatenated: [batch, sum of their channels]. The
   * input is preconditioned as in `forward` (c_in(t) x, c_noise(t)).
   */
  encoderFeatures(x: tf.Tensor, t: tf.Tensor | number, labels?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const batch = x.shape[0];
      const p = flowPrecond(perSample(t, batch), this.config.sigmaData);
      this.checkInput(x);
      const xIn = tf.mul(x, tf.reshape(p.cIn, [batch, 1, 1, 1])) as tf.Tensor4D;
      const { skips } = this.encode(xIn, p.cNoise, labels, {});
      return tf.concat(skips.map((s) => tf.mean(s, [1, 2])), 1) as tf.Tensor2D;
    });
  }

  /** Width of `encoderFeatures`. */
  get featureDim(): number {
    return this.layout.skips.reduce((a, b) => a + b, 0);
  }

  /**
   * The raw network F(x_in; c_noise, labels) of EDM2 (no preconditioning). `xIn` is NHWC [batch, res, res,
   * channels], `cNoise` [batch]. Labels (one-hot [batch, labelDim]) only for class-conditional configs;
   * omitted, they are zeros (the unconditional branch, as in the official code).
   */
  raw(xIn: tf.Tensor4D, cNoise: tf.Tensor1D, labels?: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor4D {
    this.checkInput(xIn);
    if (labels && this.config.labelDim === 0) throw new UnetInputError('labels: this network is unconditional (labelDim 0)');
    return tf.tidy(() => {
      const { emb, skips } = this.encode(xIn, cNoise, labels, opts);
      let x = skips[skips.length - 1] as tf.Tensor4D;
      for (const b of this.layout.decoder) {
        if (b.takesSkip) {
          const s = skips.pop() as tf.Tensor4D;
          x = (this.flags.mpFixedFunction ? mpCat(x, s, this.config.concatBalance) : tf.concat([x, s], 3)) as tf.Tensor4D;
        }
        x = this.block(x, emb, b, opts);
      }
      if (this.flags.learnedGains) return this.layer(x, this.layout.outConv, this.variables['unet.out_gain']) as tf.Tensor4D;
      return this.layer(silu(this.pre(x)), this.layout.outConv) as tf.Tensor4D;
    });
  }

  /**
   * Velocity v(x_t, t) = c_skip x_t + c_out F(c_in x_t; c_noise(t)) (see `flowPrecond`). `x` is NHWC, `t` a
   * number, a scalar tensor or one time per sample. Fits the `VelocityField` contract of `@flow/solvers`.
   */
  forward(x: tf.Tensor, t: tf.Tensor | number, labels?: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const batch = x.shape[0];
      const p = flowPrecond(perSample(t, batch), this.config.sigmaData);
      const col = (v: tf.Tensor1D) => tf.reshape(v, [batch, 1, 1, 1]);
      const f = this.raw(tf.mul(x, col(p.cIn)) as tf.Tensor4D, p.cNoise, labels, opts);
      return tf.add(tf.mul(x, col(p.cSkip)), tf.mul(f, col(p.cOut))) as tf.Tensor4D;
    });
  }

  /** Alias of `forward` without labels, shaped as `@flow/solvers`' VelocityField. */
  readonly velocity = (x: tf.Tensor, t: tf.Tensor1D | number): tf.Tensor => this.forward(x, t);

  /**
   * EDM2's learned uncertainty u(t) (log-variance, Precond.logvar_linear o logvar_fourier), adapted to t
   * through c_noise(t). Shape [batch]. Use it with `uncertaintyWeightedLoss`.
   */
  logVariance(t: tf.Tensor | number, batch = 1): tf.Tensor1D {
    return tf.tidy(() => {
      const n = typeof t === 'number' ? batch : t.rank === 1 ? t.shape[0] : batch;
      const p = flowPrecond(perSample(t, n), this.config.sigmaData);
      const f = mpFourier(p.cNoise, this.buffers['logvar_fourier.freqs'], this.buffers['logvar_fourier.phases']);
      return tf.reshape(this.layer(f, this.layout.logvarLinear), [n]) as tf.Tensor1D;
    });
  }

  /** Copies values into the variables/buffers by name (e.g. from a checkpoint); checks shapes; unknown names throw. */
  load(tensors: Record<string, tf.Tensor>): void {
    for (const [name, value] of Object.entries(tensors)) {
      const target = this.variables[name] ?? this.buffers[name];
      if (!target) throw new UnetInputError(`unet: unknown tensor '${name}'`);
      if (target.shape.join(',') !== value.shape.join(',')) {
        throw new UnetInputError(`unet: tensor '${name}' has shape [${value.shape}], expected [${target.shape}]`);
      }
      target.assign(value);
    }
  }

  dispose(): void {
    for (const { w } of this.weightCache.values()) w.dispose();
    this.weightCache.clear();
    for (const v of Object.values(this.variables)) v.dispose();
    for (const v of Object.values(this.buffers)) v.dispose();
  }
}

/**
 * Allocates an EDM2 U-Net with seeded initialisation (each tensor from its own `@flow/random` stream, so the
 * same seed gives the same weights on every backend). Weights: unit-normal (E, G), N(0, 1/fan_in) (C);
 * gains 0; Fourier frequencies 2 pi N(0, 1) and phases 2 pi U[0, 1).
 */
export function createEdm2Unet(config: UnetConfig, opts: CreateUnetOptions = {}): Edm2Unet {
  const base = new Rng(opts.seed ?? 0);
  const variables: Record<string, tf.Variable> = {};
  const buffers: Record<string, tf.Variable> = {};
  parameterSpecs(config).forEach((s, i) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (s.init !== 'zeros') {
      base.fork(i).fillNormal(data);
      if (s.init === 'he-normal') {
        const k = 1 / Math.sqrt(s.fanIn);
        for (let j = 0; j < size; j++) data[j] *= k;
      }
    }
    variables[s.name] = toVariable(data, s.shape, true);
  });
  bufferSpecs(config).forEach((s, i) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const rng = base.fork(1_000_000 + i);
    const data = s.init === 'fourier-freqs' ? rng.fillNormal(new Float32Array(size)) : rng.fillUniform(new Float32Array(size));
    for (let j = 0; j < size; j++) data[j] *= 2 * Math.PI;
    buffers[s.name] = toVariable(data, s.shape, false);
  });
  return new Edm2Unet(config, variables, buffers);
}
