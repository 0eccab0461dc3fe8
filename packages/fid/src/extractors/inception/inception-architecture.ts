/**
 * The layer list of pytorch-fid's FID Inception v3: torchvision's Inception3 stem and reduction blocks with
 * pytorch-fid's FIDInceptionA / FIDInceptionC / FIDInceptionE_1 / FIDInceptionE_2 blocks, up to pool3.
 * Every convolution is a `BasicConv2d` (conv without bias, batch norm eps 1e-3, relu), named by its state-dict
 * prefix (e.g. `Mixed_5b.branch5x5_2`: tensors `.conv.weight`, `.bn.weight`, `.bn.bias`, `.bn.running_mean`,
 * `.bn.running_var`).
 */
export interface ConvSpec {
  name: string;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: number;
  /** Symmetric zero padding (rows, columns). */
  padding: [number, number];
}

export type BlockKind = 'A' | 'B' | 'C' | 'D' | 'E_1' | 'E_2';

export interface BlockSpec {
  name: string;
  kind: BlockKind;
  inChannels: number;
  /** FIDInceptionA: pool_features; FIDInceptionC: channels_7x7. */
  width?: number;
}

export const INCEPTION_FEATURE_DIM = 2048;
export const INCEPTION_INPUT_SIZE = 299;
export const INCEPTION_BN_EPS = 1e-3;

const conv = (name: string, inChannels: number, outChannels: number, kernel: number | [number, number], stride = 1, padding: number | [number, number] = 0): ConvSpec => ({
  name,
  inChannels,
  outChannels,
  kernel: typeof kernel === 'number' ? [kernel, kernel] : kernel,
  stride,
  padding: typeof padding === 'number' ? [padding, padding] : padding,
});

/** Stem: Conv2d_1a..2b, max pool 3/2, Conv2d_3b..4a, max pool 3/2 (299 -> 35x35x192). */
export const STEM = {
  first: [conv('Conv2d_1a_3x3', 3, 32, 3, 2), conv('Conv2d_2a_3x3', 32, 32, 3), conv('Conv2d_2b_3x3', 32, 64, 3, 1, 1)],
  second: [conv('Conv2d_3b_1x1', 64, 80, 1), conv('Conv2d_4a_3x3', 80, 192, 3)],
};

export const BLOCKS: BlockSpec[] = [
  { name: 'Mixed_5b', kind: 'A', inChannels: 192, width: 32 },
  { name: 'Mixed_5c', kind: 'A', inChannels: 256, width: 64 },
  { name: 'Mixed_5d', kind: 'A', inChannels: 288, width: 64 },
  { name: 'Mixed_6a', kind: 'B', inChannels: 288 },
  { name: 'Mixed_6b', kind: 'C', inChannels: 768, width: 128 },
  { name: 'Mixed_6c', kind: 'C', inChannels: 768, width: 160 },
  { name: 'Mixed_6d', kind: 'C', inChannels: 768, width: 160 },
  { name: 'Mixed_6e', kind: 'C', inChannels: 768, width: 192 },
  { name: 'Mixed_7a', kind: 'D', inChannels: 768 },
  { name: 'Mixed_7b', kind: 'E_1', inChannels: 1280 },
  { name: 'Mixed_7c', kind: 'E_2', inChannels: 2048 },
];

/** The convolutions of one block, by branch, in the order their outputs are concatenated. */
export function blockBranches(b: BlockSpec): ConvSpec[][] {
  const p = (s: string) => `${b.name}.${s}`;
  const c = b.inChannels;
  switch (b.kind) {
    case 'A': {
      return [
        [conv(p('branch1x1'), c, 64, 1)],
        [conv(p('branch5x5_1'), c, 48, 1), conv(p('branch5x5_2'), 48, 64, 5, 1, 2)],
        [conv(p('branch3x3dbl_1'), c, 64, 1), conv(p('branch3x3dbl_2'), 64, 96, 3, 1, 1), conv(p('branch3x3dbl_3'), 96, 96, 3, 1, 1)],
        [conv(p('branch_pool'), c, b.width ?? 0, 1)],
      ];
    }
    case 'B':
      return [
        [conv(p('branch3x3'), c, 384, 3, 2)],
        [conv(p('branch3x3dbl_1'), c, 64, 1), conv(p('branch3x3dbl_2'), 64, 96, 3, 1, 1), conv(p('branch3x3dbl_3'), 96, 96, 3, 2)],
      ];
    case 'C': {
      const w = b.width ?? 0;
      return [
        [conv(p('branch1x1'), c, 192, 1)],
        [conv(p('branch7x7_1'), c, w, 1), conv(p('branch7x7_2'), w, w, [1, 7], 1, [0, 3]), conv(p('branch7x7_3'), w, 192, [7, 1], 1, [3, 0])],
        [
          conv(p('branch7x7dbl_1'), c, w, 1),
          conv(p('branch7x7dbl_2'), w, w, [7, 1], 1, [3, 0]),
          conv(p('branch7x7dbl_3'), w, w, [1, 7], 1, [0, 3]),
          conv(p('branch7x7dbl_4'), w, w, [7, 1], 1, [3, 0]),
          conv(p('branch7x7dbl_5'), w, 192, [1, 7], 1, [0, 3]),
        ],
        [conv(p('branch_pool'), c, 192, 1)],
      ];
    }
    case 'D':
      return [
        [conv(p('branch3x3_1'), c, 192, 1), conv(p('branch3x3_2'), 192, 320, 3, 2)],
        [
          conv(p('branch7x7x3_1'), c, 192, 1),
          conv(p('branch7x7x3_2'), 192, 192, [1, 7], 1, [0, 3]),
          conv(p('branch7x7x3_3'), 192, 192, [7, 1], 1, [3, 0]),
          conv(p('branch7x7x3_4'), 192, 192, 3, 2),
        ],
      ];
    case 'E_1':
    case 'E_2':
      // Branches 2 and 3 end in two parallel convolutions (1x3 and 3x1) whose outputs are concatenated.
      return [
        [conv(p('branch1x1'), c, 320, 1)],
        [conv(p('branch3x3_1'), c, 384, 1), conv(p('branch3x3_2a'), 384, 384, [1, 3], 1, [0, 1]), conv(p('branch3x3_2b'), 384, 384, [3, 1], 1, [1, 0])],
        [
          conv(p('branch3x3dbl_1'), c, 448, 1),
          conv(p('branch3x3dbl_2'), 448, 384, 3, 1, 1),
          conv(p('branch3x3dbl_3a'), 384, 384, [1, 3], 1, [0, 1]),
          conv(p('branch3x3dbl_3b'), 384, 384, [3, 1], 1, [1, 0]),
        ],
        [conv(p('branch_pool'), c, 192, 1)],
      ];
  }
}

/** Every BasicConv2d of the network, in forward order. */
export function allConvs(): ConvSpec[] {
  return [...STEM.first, ...STEM.second, ...BLOCKS.flatMap((b) => blockBranches(b).flat())];
}
