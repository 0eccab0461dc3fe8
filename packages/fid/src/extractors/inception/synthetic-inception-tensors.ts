import { ndarray, type NdArray } from '@flow/io';
import { allConvs } from './inception-architecture';

function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** n values in [-0.5, 0.5) from a hash of (name, index), exact in float32 (the fixture script's hash_uniform). */
function hashUniform(name: string, n: number): Float32Array {
  const seed = fnv1a(name);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let x = (Math.imul(i, 0x9e3779b1) ^ seed) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x85ebca6b) >>> 0;
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35) >>> 0;
    x ^= x >>> 16;
    out[i] = (x >>> 8) / 16777216 - 0.5;
  }
  return out;
}

/**
 * Deterministic stand-in weights for pytorch-fid's FID Inception (same names and shapes, no download): conv
 * weights uniform with variance 2 / fan_in, batch-norm gamma near 1 and beta near 0, running mean 0 and
 * variance 1. Bit-identical to the generator of tools/inception-fixture (the test fixture's PyTorch features
 * use them); also good for throughput measurements. Not a meaningful feature space.
 */
export function syntheticInceptionTensors(): Record<string, NdArray> {
  const tensors: Record<string, NdArray> = {};
  const scaled = (name: string, n: number, scale: number, offset = 0) => {
    const s = Math.fround(scale);
    return hashUniform(name, n).map((u) => Math.fround(offset + u * s));
  };
  for (const c of allConvs()) {
    const [kh, kw] = c.kernel;
    const fanIn = c.inChannels * kh * kw;
    const p = c.name;
    tensors[`${p}.conv.weight`] = ndarray('float32', [c.outChannels, c.inChannels, kh, kw], scaled(`${p}.conv.weight`, c.outChannels * fanIn, Math.sqrt(24 / fanIn)));
    tensors[`${p}.bn.weight`] = ndarray('float32', [c.outChannels], scaled(`${p}.bn.weight`, c.outChannels, 0.25, 1));
    tensors[`${p}.bn.bias`] = ndarray('float32', [c.outChannels], scaled(`${p}.bn.bias`, c.outChannels, 0.2));
    tensors[`${p}.bn.running_mean`] = ndarray('float32', [c.outChannels], new Float32Array(c.outChannels));
    tensors[`${p}.bn.running_var`] = ndarray('float32', [c.outChannels], new Float32Array(c.outChannels).fill(1));
  }
  return tensors;
}
