import path from 'node:path';
import { readTorchCheckpoint, torchStateDict, writeSafetensors } from '@flow/io';
import type { Command } from '../command';
import { parseOptions } from '../parse-options';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage: flow convert IN.pt OUT.safetensors [--key K] [--json]

Converts a PyTorch state dict saved with torch.save (.pt/.pth/.bin; the zip format of torch >= 1.6 and the
legacy format) to safetensors, executing nothing: the pickle is read by a restricted reader that knows only
what a state dict needs (OrderedDict, tensors, storages, parameters) and refuses any other global by name
(e.g. 'refusing global os.system'). Views and shared storages are written as independent tensors; dtypes
float16, bfloat16, float32, float64, int8-64, uint8 and bool keep their type. Whole pickled modules
(torch.save(model), EDM2's network-snapshot .pkl files) are refused: save model.state_dict() instead.

  --key K    the state dict to take from a checkpoint holding several (e.g. ema of {'ema': ..., 'net': ...});
             without it: the top-level dict when it holds tensors, else the only dict one level down
  --json     print {out, tensors, parameters, bytes, dtypes, key}`;

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a PyTorch state dict (.pt) to safetensors, safely (nothing is executed)',
  usage,
  async run(argv) {
    const { values, positionals } = parseOptions('convert', argv, { key: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (positionals.length !== 2) throw new UsageError(`flow convert: expected IN.pt OUT.safetensors, got ${positionals.length} path(s)`);
    const [input, out] = positionals as [string, string];
    if (path.extname(out).toLowerCase() !== '.safetensors') throw new UsageError(`flow convert: ${out}: expected a .safetensors output file`);
    const tensors = torchStateDict(readTorchCheckpoint(input), { source: input, ...(values.key !== undefined ? { key: values.key } : {}) });
    const names = Object.keys(tensors);
    writeSafetensors(out, tensors, { source: path.basename(input), ...(values.key !== undefined ? { key: values.key } : {}) });
    let parameters = 0;
    const dtypes: Record<string, number> = {};
    for (const t of Object.values(tensors)) {
      parameters += t.data.length;
      dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
    }
    log(`flow convert: ${names.length} tensors, ${parameters} values -> ${out}`);
    if (values.json) printJson({ out, tensors: names.length, parameters, dtypes, key: values.key ?? null });
    return 0;
  },
};
