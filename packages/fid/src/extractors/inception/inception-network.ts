import type * as tfc from '@tensorflow/tfjs-core';
import { BLOCKS, blockBranches, STEM, type BlockSpec, type ConvSpec } from './inception-architecture';
import type { InceptionWeights } from './inception-weights';

interface ConvTensors {
  spec: ConvSpec;
  filter: tfc.Tensor4D;
  bias: tfc.Tensor1D;
}

/**
 * pytorch-fid's FID Inception v3 as TensorFlow.js ops (NHWC), batch norm folded into the convolutions.
 * `forward` maps (n, 299, 299, 3) inputs in [-1, 1] to the (n, 2048) pool3 features.
 */
export class InceptionNetwork {
  private readonly convs = new Map<string, ConvTensors>();

  constructor(
    private readonly tf: typeof tfc,
    weights: InceptionWeights,
  ) {
    for (const [name, w] of weights) {
      const [kh, kw] = w.spec.kernel;
      this.convs.set(name, {
        spec: w.spec,
        filter: tf.tensor4d(w.kernel, [kh, kw, w.spec.inChannels, w.spec.outChannels]),
        bias: tf.tensor1d(w.bias),
      });
    }
  }

  private conv(x: tfc.Tensor4D, spec: ConvSpec): tfc.Tensor4D {
    const c = this.convs.get(spec.name);
    if (!c) throw new Error(`InceptionNetwork: no weights for ${spec.name}`);
    const [ph, pw] = spec.padding;
    const pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
      ph === 0 && pw === 0 ? 'valid' : [[0, 0], [ph, ph], [pw, pw], [0, 0]];
    return this.tf.fused.conv2d({ x, filter: c.filter, strides: spec.stride, pad, bias: c.bias, activation: 'relu' });
  }

  private chain(x: tfc.Tensor4D, specs: ConvSpec[]): tfc.Tensor4D {
    return specs.reduce((h, s) => this.conv(h, s), x);
  }

  private block(x: tfc.Tensor4D, b: BlockSpec): tfc.Tensor4D {
    const tf = this.tf;
    const br = blockBranches(b);
    switch (b.kind) {
      case 'A':
      case 'C':
        // pytorch-fid: the pool branch averages without counting the padding (count_include_pad=False),
        // which is what TensorFlow's 'same' average pooling does.
        return tf.concat([this.chain(x, br[0]), this.chain(x, br[1]), this.chain(x, br[2]), this.conv(tf.avgPool(x, 3, 1, 'same'), br[3][0])], 3);
      case 'B':
        return tf.concat([this.chain(x, br[0]), this.chain(x, br[1]), tf.maxPool(x, 3, 2, 'valid')], 3);
      case 'D':
        return tf.concat([this.chain(x, br[0]), this.chain(x, br[1]), tf.maxPool(x, 3, 2, 'valid')], 3);
      case 'E_1':
      case 'E_2': {
        const [a, b3, c3, p] = br;
        const h3 = this.conv(x, b3[0]);
        const hd = this.chain(x, c3.slice(0, 2));
        // E_1 averages (padding not counted); E_2, the last block, max-pools (pytorch-fid's FIDInceptionE_2).
        const pooled = b.kind === 'E_1' ? tf.avgPool(x, 3, 1, 'same') : tf.maxPool(x, 3, 1, 'same');
        return tf.concat([this.conv(x, a[0]), this.conv(h3, b3[1]), this.conv(h3, b3[2]), this.conv(hd, c3[2]), this.conv(hd, c3[3]), this.conv(pooled, p[0])], 3);
      }
    }
  }

  forward(x: tfc.Tensor4D): tfc.Tensor2D {
    const tf = this.tf;
    return tf.tidy(() => {
      let h = this.chain(x, STEM.first);
      h = tf.maxPool(h, 3, 2, 'valid');
      h = this.chain(h, STEM.second);
      h = tf.maxPool(h, 3, 2, 'valid');
      for (const b of BLOCKS) h = this.block(h, b);
      return tf.mean(h, [1, 2]) as tfc.Tensor2D;
    });
  }

  dispose(): void {
    for (const c of this.convs.values()) {
      c.filter.dispose();
      c.bias.dispose();
    }
    this.convs.clear();
  }
}
