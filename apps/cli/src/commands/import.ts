import { importEdm2 } from '@flow/trainer';
import type { Command } from '../command';
import { parseOptions, requireOption } from '../parse-options';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage: flow import --format edm2 --checkpoint FILE(.pt|.safetensors) --config EDM2.json --out DIR
                   [--key K] [--json]

Turns a network trained elsewhere into a flow model directory that flow solve, sample, bespoke and velocity
load like a trained one (sample its output, then flow fid the samples).

  --format edm2      EDM2 (Karras et al. 2024, NVlabs/edm2 training/networks_edm2.py, config G): the state
                     dict of a Precond network, official names (unet.enc.32x32_conv.weight,
                     unet.emb_fourier.freqs, unet.dec.16x16_block0.attn_qkv.weight, logvar_linear.weight,
                     ...; a bare UNet state dict or a common key prefix such as module. also works)
  --checkpoint FILE  torch.save state dict (read safely, see flow convert) or safetensors
  --config FILE      JSON object of the official Precond/UNet/Block keyword arguments by their names:
                     img_resolution, img_channels (required), label_dim, model_channels, channel_mult,
                     channel_mult_noise, channel_mult_emb, num_blocks, attn_resolutions, channels_per_head,
                     res_balance, attn_balance, label_balance, concat_balance, clip_act, sigma_data,
                     logvar_channels (official defaults when missing); use_fp16 and class_name are ignored
  --out DIR          model directory to write (config.json + model.safetensors)
  --key K            which state dict of a checkpoint holding several (e.g. ema); for safetensors, the name
                     prefix K.
  --json             print {out, format, parameters, resolution, channels, label_dim, checkpoint_sha256, notes}

The velocity (flow time: t = 0 noise, t = 1 data) is v(x_t, t) = (D(x_t / t; sigma) - x_t) / (1 - t) with
sigma = (1 - t) / t. Written out, its coefficients stay finite on all of [0, 1]; only the noise embedding
c_noise = ln(sigma) / 4 diverges at both ends, and t is clamped to [1e-5, 1 - 1e-5] inside it. The network
was trained on EDM's sigma range (about 0.002..80, t in 0.012..0.998): --grid edm on flow solve spends the
steps where EDM's sampler does. Class-conditional networks are evaluated with zero labels (the official
default when no label is given). Samples are in the network's data space (EDM2 pixel models: [-1, 1];
latent models: the official scaled latents, not decoded here).`;

export const importCommand: Command = {
  name: 'import',
  summary: 'import an EDM2 PyTorch network (state dict + official kwargs) as a flow model directory',
  usage,
  async run(argv) {
    const { values } = parseOptions('import', argv, {
      format: { type: 'string' },
      checkpoint: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean' },
    });
    const format = requireOption('import', 'format', values.format);
    if (format !== 'edm2') throw new UsageError(`flow import: --format expects edm2, got '${format}'`);
    const checkpoint = requireOption('import', 'checkpoint', values.checkpoint);
    const config = requireOption('import', 'config', values.config);
    const out = requireOption('import', 'out', values.out);
    const r = importEdm2({ checkpoint, config, out, ...(values.key !== undefined ? { key: values.key } : {}) });
    for (const note of r.notes) log(`flow import: note: ${note}`);
    const c = r.config;
    log(`flow import: EDM2 ${c.resolution}x${c.resolution}x${c.channels}, ${c.labelDim} classes, ${r.parameters} parameters -> ${out}`);
    if (values.json) {
      printJson({ out, format, parameters: r.parameters, resolution: c.resolution, channels: c.channels, label_dim: c.labelDim, checkpoint_sha256: r.checkpointSha256, notes: r.notes });
    }
    return 0;
  },
};
