import { ArrayFileError, readSafetensors, readTorchStateDict, toFloat32, type NdArray } from '@flow/io';
import { FidInputError } from '../../errors';
import { allConvs, INCEPTION_BN_EPS, type ConvSpec } from './inception-architecture';

/** One BasicConv2d with its batch norm folded in: kernel in TensorFlow.js layout [kh, kw, in, out], bias [out]. */
export interface FoldedConv {
  spec: ConvSpec;
  kernel: Float32Array;
  bias: Float32Array;
}

/** FID Inception weights ready for the forward pass, by state-dict prefix. */
export type InceptionWeights = Map<string, FoldedConv>;

/**
 * Builds the network's weights from a name -> tensor map holding pytorch-fid's state-dict names
 * (`Conv2d_1a_3x3.conv.weight`, `Mixed_5b.branch1x1.bn.running_mean`, ...). The classifier (`fc.*`) and
 * `num_batches_tracked` are ignored; a `module.` prefix (DataParallel) is accepted. Any safe reader that yields
 * such a map (safetensors today, torch.save zips through @flow/io's reader) feeds this one function.
 * Batch norm (eps 1e-3) is folded into the convolution in float64: w' = w g / sqrt(v + eps), b' = b - m g / sqrt(v + eps).
 */
export function inceptionWeightsFromTensors(tensors: Record<string, NdArray>, source: string): InceptionWeights {
  const prefixed = Object.keys(tensors).some((k) => k.startsWith('module.'));
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors[prefixed ? `module.${name}` : name];
    if (!t) throw new FidInputError(`${source}: tensor '${name}' missing (expected pytorch-fid's FID Inception state dict)`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new FidInputError(`${source}: tensor '${name}' has shape (${t.shape.join(', ')}), expected (${shape.join(', ')})`);
    }
    if (t.dtype.startsWith('int') || t.dtype.startsWith('uint') || t.dtype === 'bool') throw new FidInputError(`${source}: tensor '${name}' has dtype ${t.dtype}, expected floating point`);
    return toFloat32(t);
  };
  const weights: InceptionWeights = new Map();
  for (const spec of allConvs()) {
    const [kh, kw] = spec.kernel;
    const cin = spec.inChannels;
    const cout = spec.outChannels;
    const w = get(`${spec.name}.conv.weight`, [cout, cin, kh, kw]);
    const gamma = get(`${spec.name}.bn.weight`, [cout]);
    const beta = get(`${spec.name}.bn.bias`, [cout]);
    const mean = get(`${spec.name}.bn.running_mean`, [cout]);
    const variance = get(`${spec.name}.bn.running_var`, [cout]);
    const kernel = new Float32Array(kh * kw * cin * cout);
    const bias = new Float32Array(cout);
    for (let o = 0; o < cout; o++) {
      if (!(variance[o] >= 0)) throw new FidInputError(`${source}: '${spec.name}.bn.running_var' has a negative or non-finite entry at ${o}`);
      const s = gamma[o] / Math.sqrt(variance[o] + INCEPTION_BN_EPS);
      bias[o] = beta[o] - mean[o] * s;
      // torch [out, in, kh, kw] -> tfjs [kh, kw, in, out]
      for (let i = 0; i < cin; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) kernel[((y * kw + x) * cin + i) * cout + o] = w[((o * cin + i) * kh + y) * kw + x] * s;
    }
    for (const v of kernel) if (!Number.isFinite(v)) throw new FidInputError(`${source}: '${spec.name}' weights are not finite`);
    weights.set(spec.name, { spec, kernel, bias });
  }
  return weights;
}

/**
 * Reads FID Inception weights from a local file: pytorch-fid's `pt_inception-2015-12-05-*.pth` itself (read by
 * @flow/io's restricted unpickler) or safetensors with the same state-dict names. Nothing is downloaded.
 */
export function loadInceptionWeights(file: string): InceptionWeights {
  // pytorch-fid's own .pth goes through @flow/io's restricted torch.save reader: nothing in it is executed.
  if (/\.pth?$/i.test(file)) return inceptionWeightsFromTensors(readTorchStateDict(file), file);
  if (!/\.safetensors$/i.test(file)) {
    throw new FidInputError(`${file}: expected pytorch-fid's FID Inception state dict as .pth (torch.save) or .safetensors`);
  }
  let tensors: Record<string, NdArray>;
  try {
    tensors = readSafetensors(file).tensors;
  } catch (error) {
    if (error instanceof ArrayFileError || (error as NodeJS.ErrnoException).code !== undefined) throw new FidInputError(`${file}: cannot read FID Inception weights (${(error as Error).message})`);
    throw error;
  }
  return inceptionWeightsFromTensors(tensors, file);
}
