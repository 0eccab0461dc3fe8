import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type { Normalization } from '@flow/data';
import type { NdArray } from '@flow/io';
import { perSampleTime, type VelocityField } from '@flow/solvers';
import type { ConditionalVelocity } from './conditional-velocity';
import { TrainerInputError } from './errors';
import { createRunNet } from './model-factory';
import { RunDirectory } from './run/run-directory';
import type { TrainConfig } from './train-config';

export interface LoadedVelocityModel {
  velocity: VelocityField;
  /** `flow-train:sha256:<hex>` over the model config and the weights (names, shapes, bytes). */
  identity: string;
  /** Features per sample. */
  dim: number;
  /** Shape of one sample ([2], or [H, W, C]). */
  shape: number[];
  /** The TensorFlow.js backend the weights live on. */
  backend: string;
  kind: 'points' | 'image';
  /** Model space -> data space: data = x / scale + shift. */
  normalization: Normalization;
  /** Training step of the weights (null for a `model.safetensors` export). */
  step: number | null;
  /** Where the weights came from. */
  weightsFile: string;
  config: TrainConfig;
  parameters: number;
  /**
   * A class-conditional network's v(x, t | y) (`velocity` is then its all-zero-label branch): a run trained
   * with `conditional`, or an imported class-conditional EDM2 net (trained without label dropout, so only its
   * conditional branch, guidance 1, is what it learned). Absent for unconditional networks.
   */
  conditional?: ConditionalVelocity;
  /** Pooled encoder features at time t (U-Net models only), for linear probes. */
  features?: (x: tf.Tensor, t: tf.Tensor1D) => tf.Tensor2D;
  dispose(): void;
}

/**
 * Loads a model directory written by `flow train` (config.json + checkpoints/) as a velocity field.
 * Weights: `weights` if given (a safetensors file of the network's variables, e.g. from
 * `flow ema reconstruct`), else the run's exported weights file (`RunDirectory.modelWeightsFile`) when
 * present, else the newest good checkpoint.
 */
export async function loadVelocityModel(dir: string, options: { weights?: string } = {}): Promise<LoadedVelocityModel> {
  const run = new RunDirectory(dir);
  const config = run.readConfig();
  const net = createRunNet(config, config.dataset);
  // Stored buffers win; files without them (older checkpoints, `flow ema reconstruct` exports) rely on
  // createRunNet deriving the same ones from the run's seed.
  const { params: weights, buffers, step, file: weightsFile } = run.readNetWeights({
    ...options,
    onSkip: (file, reason) => process.stderr.write(`skipping checkpoint ${file}: ${reason}\n`),
  });
  const hash = createHash('sha256');
  hash.update(JSON.stringify(config.model));
  hash.update(JSON.stringify(config.dataset.shape));
  const hashBytes = (key: string, data: Float32Array): void => {
    hash.update(key);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  };
  /** Copies a stored array into `v` (shape checked) and returns its float32 data. */
  const assign = (what: string, name: string, v: tf.Variable, a: NdArray): Float32Array => {
    if (a.shape.join(',') !== v.shape.join(',')) throw new TrainerInputError(`${weightsFile}: ${what} '${name}' has shape (${a.shape.join(', ')}), expected (${v.shape.join(', ')})`);
    const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>);
    v.assign(tf.tensor(data, v.shape, 'float32'));
    return data;
  };
  for (const name of Object.keys(net.variables).sort()) {
    const a = weights[name];
    if (!a) throw new TrainerInputError(`${weightsFile}: weight '${name}' missing`);
    hashBytes(name, assign('weight', name, net.variables[name], a));
  }
  for (const [name, v] of Object.entries(net.buffers ?? {})) {
    const a = buffers[name];
    // the key spelling is part of the identity (Bespoke files are bound to it): keep it
    hashBytes(`buffer/${name}`, a ? assign('buffer', name, v, a) : ((await v.data()) as Float32Array));
  }
  const velocity: VelocityField = (x, t) => net.forward(x, perSampleTime(t, x.shape[0]), false);
  return {
    velocity,
    identity: `flow-train:sha256:${hash.digest('hex')}`,
    dim: config.dataset.dim,
    shape: config.dataset.shape,
    backend: tf.getBackend(),
    kind: config.dataset.kind,
    normalization: config.dataset.normalization,
    step,
    weightsFile,
    config,
    parameters: net.parameterCount,
    // trained with `conditional`, or an imported class-conditional EDM2 net (labelDim in its U-Net config)
    ...(net.labelDim
      ? {
          conditional: {
            classes: net.labelDim,
            ...(config.conditional?.classNames ? { classNames: config.conditional.classNames } : {}),
            velocity: (x: tf.Tensor, t: tf.Tensor1D | number, labels: tf.Tensor2D) => net.forward(x, perSampleTime(t, x.shape[0]), false, labels),
          },
        }
      : {}),
    ...(net.features ? { features: (x: tf.Tensor, t: tf.Tensor1D) => net.features!(x, t) } : {}),
    dispose: () => net.dispose(),
  };
}
