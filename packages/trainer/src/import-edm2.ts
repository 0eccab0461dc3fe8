import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readSafetensors, readTorchStateDict, ndarray, type NdArray } from '@flow/io';
import { countParameters, edm2ConfigFromKwargs, edm2StateDictToTensors, type StateTensor, type UnetConfig } from '@flow/unet-edm2';
import { TrainerInputError } from './errors';
import { RunDirectory } from './run/run-directory';
import { CONFIG_FORMAT, type TrainConfig } from './train-config';

export interface ImportEdm2Options {
  /** A `torch.save` state dict (`.pt`, `.pth`; read without executing anything) or a `.safetensors` file. */
  checkpoint: string;
  /** A JSON file of the official Precond/UNet keyword arguments, or the parsed object. */
  config: string | Record<string, unknown>;
  /** The model directory to write (created; must not hold a run already). */
  out: string;
  /** Which state dict of a checkpoint holding several (e.g. `ema`); for safetensors, a name prefix `KEY.`. */
  key?: string;
}

export interface ImportEdm2Result {
  out: string;
  config: UnetConfig;
  parameters: number;
  /** sha256 of the checkpoint file. */
  checkpointSha256: string;
  notes: string[];
}

function readKwargs(config: ImportEdm2Options['config']): { kwargs: Record<string, unknown>; source: string } {
  if (typeof config !== 'string') return { kwargs: config, source: 'EDM2 config' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(config, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new TrainerInputError(`${config}: ${e.code ? `cannot be read (${e.code})` : `not valid JSON (${e.message})`}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TrainerInputError(`${config}: expected a JSON object of keyword arguments`);
  return { kwargs: parsed as Record<string, unknown>, source: config };
}

function readStateDict(file: string, key: string | undefined): Record<string, NdArray> {
  if (!existsSync(file)) throw new TrainerInputError(`${file}: checkpoint not found`);
  if (!file.toLowerCase().endsWith('.safetensors')) return readTorchStateDict(file, key !== undefined ? { key } : {});
  const all = readSafetensors(file).tensors;
  if (key === undefined) return all;
  const prefix = `${key}.`;
  const picked = Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  if (Object.keys(picked).length === 0) throw new TrainerInputError(`${file}: no tensor name starts with '${prefix}'`);
  return picked;
}

/**
 * Turns an official EDM2 network (networks_edm2.py names and layouts, config G) into a flow model directory:
 * `config.json` (a run config whose model is the imported U-Net) and `model.safetensors` (weights and the
 * Fourier buffers), which every command that loads a model directory reads. The denoiser D(x; sigma)
 * becomes the velocity v(x_t, t) = (D(x_t / t; (1 - t) / t) - x_t) / (1 - t), which is exactly the package's
 * flow preconditioning of the same raw network (see the @flow/unet-edm2 README), so no weight changes.
 */
export function importEdm2(options: ImportEdm2Options): ImportEdm2Result {
  const { kwargs, source } = readKwargs(options.config);
  const unet = edm2ConfigFromKwargs(kwargs, source);
  const raw = readStateDict(options.checkpoint, options.key);
  const stateDict: Record<string, StateTensor> = {};
  for (const [name, a] of Object.entries(raw)) {
    if (!(a.data instanceof Float32Array || a.data instanceof Float64Array)) throw new TrainerInputError(`${options.checkpoint}: tensor '${name}' is ${a.dtype}, expected a floating-point tensor`);
    stateDict[name] = { shape: a.shape, data: a.data };
  }
  const mapped = edm2StateDictToTensors(unet, stateDict, options.checkpoint);
  const run = new RunDirectory(options.out);
  if (run.hasConfig()) throw new TrainerInputError(`${options.out}: already holds a model (config.json); choose another folder`);
  const params: Record<string, NdArray> = {};
  const buffers: Record<string, NdArray> = {};
  for (const [name, t] of Object.entries(mapped.weights)) params[name] = ndarray('float32', t.shape, t.data);
  for (const [name, t] of Object.entries(mapped.buffers)) buffers[name] = ndarray('float32', t.shape, t.data);
  const sha256 = createHash('sha256').update(readFileSync(options.checkpoint)).digest('hex');
  run.writeModelWeights(params, buffers, { source: 'edm2', checkpoint: path.basename(options.checkpoint), checkpoint_sha256: sha256 });
  const shape = [unet.resolution, unet.resolution, unet.channels];
  // A run config, so loaders that read run directories take it as it is; training fields are defaults
  // (fine-tuning an import is not supported yet) and `source` records where the weights came from.
  const config: TrainConfig & { source: Record<string, unknown> } = {
    format: CONFIG_FORMAT,
    dataset: { spec: `edm2-import:${path.basename(options.checkpoint)}`, shape, dim: shape[0]! * shape[1]! * shape[2]!, kind: 'image', size: null, normalization: { scale: 1, shift: 0 } },
    model: { type: 'unet-edm2', preset: 'edm2-img512-xs', options: { ...unet } },
    coupling: { name: 'independent', options: {} },
    optimizer: { refLr: 1e-2, refSteps: 2000, rampupSteps: 100, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, clip: 1 },
    batch: 32,
    seed: 0,
    uncertainty: true,
    checkpointEvery: 500,
    keepCheckpoints: 3,
    logEvery: 10,
    ema: null,
    backend: 'auto',
    source: { format: 'edm2', checkpoint: path.resolve(options.checkpoint), checkpoint_sha256: sha256, key: options.key ?? null, kwargs },
  };
  run.writeConfig(config);
  return { out: options.out, config: unet, parameters: countParameters(unet), checkpointSha256: sha256, notes: mapped.notes };
}
