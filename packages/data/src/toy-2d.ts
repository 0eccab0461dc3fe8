import type { Rng } from '@flow/random';
import type { Dataset, Normalization } from './dataset';
import { GeneratorSampler } from './generator-sampler';

type Generate = (rng: Rng, out: Float32Array) => void;

interface ToySpec {
  description: string;
  normalization: Normalization;
  /** Writes one point in data space. */
  generate: Generate;
}

const SQRT3 = Math.sqrt(3);
const SQRT01 = Math.sqrt(0.1);

/**
 * The built-in 2-D toys. Each is an infinite generator; `normalization` maps its data space to the space
 * the model trains in (noise N(0, I)).
 */
export const TOY_DATASETS: Record<string, ToySpec> = {
  'two-mode-2d': {
    description:
      'Lee et al. (ICML 2023) two-mode Gaussian: N((-8, 8), diag(3, 0.1)) and N((8, 8), diag(3, 0.1)) with equal weight ' +
      '(diag = covariance). Trained at scale 1/8 (modes at (+-1, 1)); samples are written back in the original coordinates.',
    normalization: { scale: 1 / 8, shift: 0 },
    generate(rng, out) {
      const side = rng.uniform() < 0.5 ? -8 : 8;
      out[0] = side + SQRT3 * rng.normal();
      out[1] = 8 + SQRT01 * rng.normal();
    },
  },
  ring8: {
    description: 'Eight Gaussians (std 0.1) evenly spaced on a circle of radius 2.',
    normalization: { scale: 1, shift: 0 },
    generate(rng, out) {
      const angle = (2 * Math.PI * rng.int(8)) / 8;
      out[0] = 2 * Math.cos(angle) + 0.1 * rng.normal();
      out[1] = 2 * Math.sin(angle) + 0.1 * rng.normal();
    },
  },
  moons: {
    description: 'Two interleaved half circles of radius 1 (noise std 0.05), centred at the origin.',
    normalization: { scale: 1, shift: 0 },
    generate(rng, out) {
      const angle = Math.PI * rng.uniform();
      if (rng.uniform() < 0.5) {
        out[0] = Math.cos(angle) - 0.5;
        out[1] = Math.sin(angle) - 0.25;
      } else {
        out[0] = 1 - Math.cos(angle) - 0.5;
        out[1] = 0.5 - Math.sin(angle) - 0.25;
      }
      out[0] += 0.05 * rng.normal();
      out[1] += 0.05 * rng.normal();
    },
  },
  checkerboard: {
    description: 'Uniform on the dark squares of a 4x4 checkerboard covering [-2, 2]^2.',
    normalization: { scale: 1, shift: 0 },
    generate(rng, out) {
      const x = 4 * rng.uniform() - 2;
      const y = rng.uniform() - 2 * rng.int(2);
      out[0] = x;
      out[1] = y + (Math.floor(x) & 1);
    },
  },
};

export function isToyDataset(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TOY_DATASETS, name);
}

/** A built-in 2-D toy as a Dataset (infinite; every draw is fresh). */
export function toyDataset(name: string): Dataset {
  const spec = TOY_DATASETS[name];
  if (!spec) throw new RangeError(`unknown 2-D toy '${name}'`);
  const { scale, shift } = spec.normalization;
  const generate: Generate = (rng, out) => {
    spec.generate(rng, out);
    out[0] = (out[0] - shift) * scale;
    out[1] = (out[1] - shift) * scale;
  };
  return {
    name,
    shape: [2],
    dim: 2,
    size: null,
    normalization: spec.normalization,
    kind: 'points',
    sampler: (rng) => new GeneratorSampler(2, generate, rng, name),
  };
}
