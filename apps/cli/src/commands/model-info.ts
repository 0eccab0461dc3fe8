import {
  configFlags,
  countFlops,
  countMlpParameters,
  countParameters,
  getMlpPreset,
  getUnetPreset,
  mlpPresetNames,
  unetLayout,
  unetPresetNames,
  type Edm2ConfigLetter,
} from '@flow/unet-edm2';
import type { Command } from '../command';
import { parseOptions, requireOption } from '../parse-options';
import { printJson } from '../print-json';
import { UsageError } from '../usage-error';

const MODELS = ['unet-edm2', 'mlp'] as const;
const CONFIGS: readonly Edm2ConfigLetter[] = ['C', 'E', 'G'];

const usage = `usage: flow model-info --model unet-edm2|mlp --preset NAME [--config C|E|G] [--json]

Describes a network from its preset without allocating its weights: parameter count, layout, FLOPs.

  --model unet-edm2  the EDM2 magnitude-preserving U-Net (@flow/unet-edm2)
  --model mlp        the plain velocity MLP for vector data
  --preset NAME      unet-edm2: ${unetPresetNames().join(', ')}
                     mlp: ${mlpPresetNames().join(', ')}
  --config C|E|G     unet-edm2 only: the EDM2 configuration (default G, the released network)
  --json             one JSON object on stdout: parameters, preset, config (and model, flops, ...)`;

export const modelInfoCommand: Command = {
  name: 'model-info',
  summary: 'describe a network preset (parameter count, layout, FLOPs) without allocating it',
  usage,
  async run(argv) {
    const { values } = parseOptions('model-info', argv, {
      model: { type: 'string' },
      preset: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const model = requireOption('model-info', 'model', values.model);
    if (!(MODELS as readonly string[]).includes(model)) {
      throw new UsageError(`flow model-info: --model expects one of ${MODELS.join(', ')}, got '${model}'`);
    }
    const presetName = requireOption('model-info', 'preset', values.preset);

    if (model === 'mlp') {
      if (values.config !== undefined) throw new UsageError('flow model-info: --config applies to --model unet-edm2 only');
      if (!mlpPresetNames().includes(presetName)) {
        throw new UsageError(`flow model-info: --preset '${presetName}' is not an mlp preset; valid presets: ${mlpPresetNames().join(', ')}`);
      }
      const preset = getMlpPreset(presetName);
      const parameters = countMlpParameters(preset.config);
      if (values.json) printJson({ model, preset: preset.name, parameters, config: preset.config, description: preset.description });
      else process.stdout.write(`${preset.name} (mlp): ${parameters.toLocaleString('en-US')} parameters\n  ${preset.description}\n  config: ${JSON.stringify(preset.config)}\n`);
      return 0;
    }

    if (!unetPresetNames().includes(presetName)) {
      throw new UsageError(`flow model-info: --preset '${presetName}' is not a unet-edm2 preset; valid presets: ${unetPresetNames().join(', ')}`);
    }
    const preset = getUnetPreset(presetName);
    if (values.config !== undefined) {
      if (!(CONFIGS as readonly string[]).includes(values.config)) throw new UsageError(`flow model-info: --config expects one of C, E, G, got '${values.config}'`);
      preset.config.config = values.config as Edm2ConfigLetter;
    }
    const config = preset.config;
    const parameters = countParameters(config);
    const flops = countFlops(config);
    const layout = unetLayout(config);
    const attention = [...layout.encoder, ...layout.decoder].filter((b) => b.heads > 0).map((b) => b.name);
    if (values.json) {
      printJson({
        model,
        preset: preset.name,
        parameters,
        config,
        flags: configFlags(config.config),
        description: preset.description,
        ...(preset.paperMParams !== undefined ? { paper_mparams: preset.paperMParams } : {}),
        gflops_forward: flops.forward / 1e9,
        blocks: layout.encoder.length + layout.decoder.length,
        attention_blocks: attention.length,
      });
    } else {
      const lines = [
        `${preset.name} (unet-edm2, config ${config.config}): ${parameters.toLocaleString('en-US')} parameters (${(parameters / 1e6).toFixed(2)} M)` +
          (preset.paperMParams !== undefined ? `; EDM2 paper: ${preset.paperMParams} M` : ''),
        `  ${preset.description}`,
        `  input ${config.resolution}x${config.resolution}x${config.channels}, ${config.labelDim === 0 ? 'unconditional' : `${config.labelDim} classes`}, ` +
          `channels ${layout.cblock.join('/')}, embedding ${layout.cemb}, ${config.numBlocks} blocks per level`,
        `  ${layout.encoder.length} encoder + ${layout.decoder.length} decoder blocks; attention in ${attention.length} blocks (at ${config.attnResolutions.join(', ')} and the bottleneck)`,
        `  forward: ${(flops.forward / 1e9).toFixed(3)} GFLOP per image (x3 for forward+backward)`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return 0;
  },
};
