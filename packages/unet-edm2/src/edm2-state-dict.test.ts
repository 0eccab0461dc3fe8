import { defaultUnetConfig } from './config';
import { edm2ConfigFromKwargs, edm2StateDictToTensors, type StateTensor } from './edm2-state-dict';
import { bufferSpecs, parameterSpecs } from './parameter-specs';

const tiny = { img_resolution: 8, img_channels: 1, label_dim: 0, model_channels: 8, channel_mult: [1], num_blocks: 1, attn_resolutions: [], channels_per_head: 8, logvar_channels: 2 };

/** A state dict in PyTorch layout whose every value encodes its own index, for checking the transposes. */
function officialStateDict(prefix = ''): Record<string, StateTensor> {
  const cfg = edm2ConfigFromKwargs(tiny);
  const out: Record<string, StateTensor> = {};
  for (const s of [...parameterSpecs(cfg), ...bufferSpecs(cfg)]) {
    const shape = s.shape.length === 2 ? [s.shape[1]!, s.shape[0]!] : s.shape.length === 4 ? [s.shape[3]!, s.shape[2]!, s.shape[0]!, s.shape[1]!] : s.shape;
    const n = shape.reduce((a, b) => a * b, 1);
    out[prefix + s.name] = { shape, data: Float32Array.from({ length: n }, (_, i) => i) };
  }
  return out;
}

describe('EDM2 keyword arguments and state dicts', () => {
  it('maps the official keyword arguments, with the official defaults for the rest', () => {
    const c = edm2ConfigFromKwargs({ ...tiny, clip_act: null, use_fp16: true, channel_mult_emb: null });
    expect(c).toEqual(defaultUnetConfig({ resolution: 8, channels: 1, modelChannels: 8, channelMult: [1], numBlocks: 1, attnResolutions: [], channelsPerHead: 8, logvarChannels: 2, clipAct: 0 }));
    expect(() => edm2ConfigFromKwargs({ img_resolution: 8 })).toThrow(/'img_channels' must be given/);
    expect(() => edm2ConfigFromKwargs({ ...tiny, channel_mult: [1, 'x'] })).toThrow(/'channel_mult' must be a list of positive integers/);
    expect(() => edm2ConfigFromKwargs({ ...tiny, resample_filter: [1, 3, 3, 1] })).toThrow(/resample_filter/);
  });

  it('transposes OIHW to HWIO and [out, in] to [in, out], and strips a common prefix', () => {
    const cfg = edm2ConfigFromKwargs(tiny);
    const r = edm2StateDictToTensors(cfg, officialStateDict('module.'));
    expect(r.notes).toEqual(["stripped the key prefix 'module.'"]);
    // enc conv: official [8, 2, 3, 3]; ours [3, 3, 2, 8]; ours[y][x][i][o] = official[o][i][y][x].
    const conv = r.weights['unet.enc.8x8_conv.weight']!;
    expect(conv.shape).toEqual([3, 3, 2, 8]);
    const at = (y: number, x: number, i: number, o: number) => conv.data[((y * 3 + x) * 2 + i) * 8 + o];
    expect(at(1, 2, 1, 5)).toBe(((5 * 2 + 1) * 3 + 1) * 3 + 2);
    // emb_noise: official [cemb 8, cnoise 8]; ours [8, 8] transposed.
    const lin = r.weights['unet.emb_noise.weight']!;
    expect(lin.data[3 * 8 + 6]).toBe(6 * 8 + 3);
    expect(r.buffers['unet.emb_fourier.freqs']!.data[4]).toBe(4);
  });

  it('names missing and extra tensors', () => {
    const cfg = edm2ConfigFromKwargs(tiny);
    const sd = officialStateDict();
    const { ['unet.out_gain']: _gone, ...missing } = sd;
    expect(() => edm2StateDictToTensors(cfg, missing, 'f.pt')).toThrow("f.pt: tensor 'unet.out_gain' is missing (expected shape [] for this config)");
    expect(() => edm2StateDictToTensors(cfg, { ...sd, 'unet.extra.weight': { shape: [1], data: new Float32Array(1) } }, 'f.pt')).toThrow(/1 tensor\(s\) this config does not have: 'unet.extra.weight'/);
  });
});
