import { existsSync, statSync } from 'node:fs';
import { DataInputError, listPngFolder, readPngFolder, type PngImages } from '@flow/data';
import { readArrayFile, toFloat64, ArrayFileError, type NdArray } from '@flow/io';
import {
  FeatureStatistics,
  createExtractor,
  frechetDistanceDetails,
  kernelInceptionDistance,
  mergeStatsFiles,
  readStats,
  writeStatsState,
  type FeatureExtractor,
  type ImageBatch,
} from '@flow/fid';
import type { Command } from '../command';
import { MEMORY_LIMIT_HELP, memoryLimitOption } from '../memory-limit-option';
import { numberOption, parseOptions } from '../parse-options';
import { log, printJobJson as printJson } from '../print-json';
import { streamFeatureStats } from '../fid-stream';
import { UsageError } from '../usage-error';

const usage = `usage: flow fid A B [--json] [--extractor mnist|identity|inception:WEIGHTS|tfjs:PATH] [--kid]
       flow fid --save-stats OUT.npz INPUT [--extractor ...] [--json]
       flow fid --merge PART.npz... --save-stats OUT.npz [--json]

Frechet distance between two sets, computed like pytorch-fid's calculate_frechet_distance
(|mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr sqrtm(S1 S2), float64; see the @flow/fid README).

A and B are each one of:
  STATS.npz          pytorch-fid statistics (arrays 'mu' (d,) and 'sigma' (d, d))
  FEATURES.npy       features (n, d); .npz holding one array also works
  IMAGES.npy         images (n, h, w), (n, h, w, c) or (n, c, h, w): needs --extractor
  DIR/               a folder of .png images (sorted by name): needs --extractor

Options
  --extractor E      turns images into features:
                       mnist       built-in CNN trained on MNIST (64-d); digits white on black;
                                   colour is converted to luma, other sizes resized to 28x28
                       identity    the flattened pixels / vectors themselves
                       inception:WEIGHTS
                                   pytorch-fid's FID Inception v3 (2048-d pool3 features) with weights
                                   from a local file: pytorch-fid's pt_inception-2015-12-05-*.pth
                                   (read safely, nothing executed) or a .safetensors of the same
                                   state dict; nothing is downloaded.
                                   Images are resized to 299x299 as --resize says, then scaled
                                   from [0, 1] to [-1, 1]; FIDs compare with pytorch-fid's numbers
                       tfjs:PATH   a TensorFlow.js graph or layers model (model.json + shards) on disk
                     mnist and tfjs models resize (where they need another size) with antialiased
                     bicubic interpolation in float32, as clean-fid recommends.
  --resize R         inception: pytorch-fid (default: bilinear, align_corners=False, no antialiasing,
                     as pytorch-fid does) or clean (clean-fid: PIL's antialiased bicubic, clipped)
  --batch-size N     inception: images per forward call (default 16); images are read, resized and
                     reduced to running mean/covariance in chunks, so memory stays bounded
  --quiet            no progress lines on stderr
  --pixel-range R    how image values map to [0, 1]: auto (default: uint8 and PNG as 0..255; floats
                     with negatives as -1..1, floats above 1.5 as 0..255, else 0..1), 0,1, -1,1 or 0,255;
                     image arrays are (n, h, w, c) channels-last or (n, c, h, w), uint8 or float
  --input-size HxW   tfjs models: input size (default: the model's own)
  --input-range L,H  tfjs models: pixel range the model expects (default 0,255)
  --output-node N    tfjs graph models: the output node to read (e.g. pool_3)
  --backend B        TensorFlow.js backend for tfjs models (auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu)
  --save-stats OUT   write pytorch-fid statistics (mu, sigma; float64 .npz) of INPUT instead, with
                     count and scatter (sum of centred outer products) so they can be merged
  --merge            merge the statistics files given (each written by --save-stats, e.g. one per
                     shard of flow sample --shard) into --save-stats OUT: the same mu and sigma as the
                     statistics of all rows at once, to float rounding
  --kid              also the Kernel Inception Distance (needs features or images on both sides)
  --kid-subsets N    KID subsets (default 100); --kid-subset-size M (default 1000)
  --seed N           seed for the KID subsets (default 0)
  --offset EPS       force pytorch-fid's fallback offset EPS*I on both covariances (default: none)
  ${MEMORY_LIMIT_HELP}
  --json             one JSON object on stdout: fid, dim (and count_a, count_b, rank, seconds,
                     extractor, kid, kid_std, backend where they apply); with --save-stats: out, dim, count`;

type PixelRange = 'auto' | '0,1' | '-1,1' | '0,255';

interface Options {
  extractor?: string;
  pixelRange: PixelRange;
  inputSize?: [number, number];
  inputRange?: [number, number];
  outputNode?: string;
  backend?: string;
  memoryLimitBytes?: number;
  resize?: 'pytorch-fid' | 'clean';
  batchSize?: number;
  quiet: boolean;
  kid: boolean;
}

interface Side {
  kind: 'stats' | 'features' | 'images';
  mu: Float64Array;
  sigma: Float64Array;
  dim: number;
  count?: number;
  features?: Float64Array;
  acc?: FeatureStatistics;
}

function fail(message: string): never {
  throw new UsageError(`flow fid: ${message}`);
}

/** A folder of PNGs (or `offset`/`limit` files of it) through `@flow/data`'s reader, as [0, 1] floats; grey or colour as each file declares itself unless `channels` is given. */
function readPngImages(dir: string, options: { offset?: number; limit?: number; channels?: 1 | 3 } = {}): ImageBatch {
  let images: PngImages;
  try {
    images = readPngFolder(dir, { greyWhen: 'colour-type', ...options });
  } catch (error) {
    if (error instanceof DataInputError) fail(error.message);
    throw error;
  }
  const data = new Float32Array(images.pixels.length);
  for (let i = 0; i < data.length; i++) data[i] = images.pixels[i]! / 255;
  return { data, count: images.count, height: images.height, width: images.width, channels: images.channels };
}

/** The PNG files of a folder, for reading it in chunks. */
function listPngs(dir: string): string[] {
  try {
    return listPngFolder(dir);
  } catch (error) {
    if (error instanceof DataInputError) fail(error.message);
    throw error;
  }
}

/** The pixel range of an array: as given, or guessed from its dtype and values (over the whole array). */
function resolveRange(a: NdArray, values: ArrayLike<number>, range: PixelRange, file: string): PixelRange {
  let r = range;
  if (r === 'auto') {
    if (a.dtype === 'uint8') r = '0,255';
    else {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) fail(`${file}: image values must be finite`);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      r = lo < 0 ? '-1,1' : hi > 1.5 ? '0,255' : '0,1';
    }
  }
  return r;
}

function mapRange(a: NdArray, values: Float64Array, range: PixelRange, file: string): Float32Array {
  const r = resolveRange(a, values, range, file);
  const [lo, hi] = r === '-1,1' ? [-1, 1] : r === '0,255' ? [0, 255] : [0, 1];
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] - lo) / (hi - lo);
  return out;
}

/** An image array: (n, h, w), (n, h, w, c) channels-last, or (n, c, h, w) channels-first with c in {1, 3}. */
function imagesFromArray(a: NdArray, file: string, range: PixelRange, extractor: string): ImageBatch {
  const values = toFloat64(a);
  const s = a.shape;
  if (s.length === 2 && extractor === 'mnist' && s[1] === 784) {
    return { data: mapRange(a, values, range, file), count: s[0], height: 28, width: 28, channels: 1 };
  }
  if (s.length === 2) return { data: mapRange(a, values, range, file), count: s[0], height: 1, width: s[1], channels: 1 };
  if (s.length === 3) return { data: mapRange(a, values, range, file), count: s[0], height: s[1], width: s[2], channels: 1 };
  if (s.length === 4) {
    const channelsFirst = (s[1] === 1 || s[1] === 3) && !(s[3] === 1 || s[3] === 3 || s[3] === 4);
    if (!channelsFirst) return { data: mapRange(a, values, range, file), count: s[0], height: s[1], width: s[2], channels: s[3] };
    const [n, c, h, w] = s;
    const t = new Float64Array(values.length);
    for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) t[((i * h * w) + p) * c + k] = values[((i * c + k) * h * w) + p];
    return { data: mapRange(a, t, range, file), count: n, height: h, width: w, channels: c };
  }
  fail(`${file}: expected images of shape (n, h, w), (n, h, w, c) or (n, c, h, w), got (${s.join(', ')})`);
}

function readArray(file: string): NdArray {
  try {
    return readArrayFile(file);
  } catch (error) {
    if (error instanceof ArrayFileError) fail(error.message);
    throw error;
  }
}

function statsOf(features: ArrayLike<number>, dim: number, count: number, file: string, kind: Side['kind'], memoryLimitBytes?: number): Side {
  if (count < 2) fail(`${file}: need at least 2 rows for a covariance, got ${count}`);
  const acc = new FeatureStatistics(dim, { memoryLimitBytes }).add(features, file);
  const { mu, sigma } = acc.stats();
  return { kind, mu, sigma, dim, count, acc, features: features instanceof Float64Array ? features : Float64Array.from(features) };
}

async function loadSide(file: string, opts: Options, getExtractor: () => Promise<FeatureExtractor>): Promise<Side> {
  if (!existsSync(file)) fail(`${file}: no such file or folder`);
  if (statSync(file).isDirectory()) {
    if (!opts.extractor) fail(`${file}: a folder of images needs --extractor (mnist, identity, inception:WEIGHTS or tfjs:PATH)`);
    if (opts.extractor.startsWith('inception:')) {
      const count = listPngs(file).length;
      const step = chunkSize(opts);
      // Inception takes RGB (it copies grey to three channels), so every chunk is read as RGB.
      function* chunks(): Iterable<ImageBatch> {
        for (let s = 0; s < count; s += step) yield readPngImages(file, { offset: s, limit: step, channels: 3 });
      }
      return streamedSide(file, count, chunks(), opts, await getExtractor());
    }
    const images = readPngImages(file);
    const ex = await getExtractor();
    const f = await ex.extract(images);
    return statsOf(f, ex.dim, images.count, file, 'images', opts.memoryLimitBytes);
  }
  if (file.toLowerCase().endsWith('.npz')) {
    let keys: string[] = [];
    try {
      const s = readStats(file);
      return { kind: 'stats', mu: s.mu, sigma: s.sigma, dim: s.dim };
    } catch (error) {
      const m = (error as Error).message;
      if (!/expected arrays 'mu' and 'sigma'/.test(m)) throw error;
      keys = [m];
    }
    void keys;
  }
  const a = readArray(file);
  if (opts.extractor?.startsWith('inception:') && a.shape.length >= 3) {
    // Chunks of the array: one pixel range for all of them, converted to float one chunk at a time.
    const raw = a.data instanceof BigInt64Array || a.data instanceof BigUint64Array ? toFloat64(a) : a.data;
    const range = resolveRange(a, raw, opts.pixelRange, file);
    const n = a.shape[0];
    const per = a.shape.slice(1).reduce((x, y) => x * y, 1);
    const step = chunkSize(opts);
    const extractor = opts.extractor;
    function* chunks(): Iterable<ImageBatch> {
      for (let s = 0; s < n; s += step) {
        const m = Math.min(step, n - s);
        const part = { dtype: a.dtype, shape: [m, ...a.shape.slice(1)], data: a.data.subarray(s * per, (s + m) * per) } as NdArray;
        yield imagesFromArray(part, file, range, extractor);
      }
    }
    return streamedSide(file, n, chunks(), opts, await getExtractor());
  }
  if (opts.extractor) {
    const images = imagesFromArray(a, file, opts.pixelRange, opts.extractor);
    const ex = await getExtractor();
    const f = await ex.extract(images);
    return statsOf(f, ex.dim, images.count, file, 'images', opts.memoryLimitBytes);
  }
  if (a.shape.length !== 2) fail(`${file}: features must have shape (n, d), got (${a.shape.join(', ')}); for images pass --extractor`);
  return statsOf(toFloat64(a), a.shape[1], a.shape[0], file, 'features', opts.memoryLimitBytes);
}

/** Images read per chunk when streaming: a few forward batches. */
function chunkSize(opts: Options): number {
  return 4 * (opts.batchSize ?? 16);
}

async function streamedSide(file: string, total: number, chunks: Iterable<ImageBatch>, opts: Options, ex: FeatureExtractor): Promise<Side> {
  if (total < 2) fail(`${file}: need at least 2 images for a covariance, got ${total}`);
  const r = await streamFeatureStats(file, total, chunks, ex, opts.kid, opts.quiet);
  return { kind: 'images', mu: r.mu, sigma: r.sigma, dim: ex.dim, count: r.count, acc: r.acc, features: r.features };
}

function pair(name: string, value: string | undefined, sep: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(sep).map(Number);
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p))) fail(`--${name} expects two numbers separated by '${sep}', got '${value}'`);
  return [parts[0], parts[1]];
}

export const fidCommand: Command = {
  name: 'fid',
  summary: 'Frechet distance (pytorch-fid formula) and KID between feature sets, stats files or images',
  usage,
  outputFiles: ['save-stats'],
  optionForField: { memoryLimitBytes: '--memory-limit' },
  async run(argv) {
    const { values, positionals } = parseOptions(
      'fid',
      argv,
      {
        json: { type: 'boolean', default: false },
        extractor: { type: 'string' },
        'save-stats': { type: 'string' },
        'pixel-range': { type: 'string' },
        'input-size': { type: 'string' },
        'input-range': { type: 'string' },
        'output-node': { type: 'string' },
        backend: { type: 'string' },
        kid: { type: 'boolean', default: false },
        'kid-subsets': { type: 'string' },
        'kid-subset-size': { type: 'string' },
        seed: { type: 'string' },
        offset: { type: 'string' },
        'memory-limit': { type: 'string' },
        merge: { type: 'boolean', default: false },
        resize: { type: 'string' },
        'batch-size': { type: 'string' },
        quiet: { type: 'boolean', default: false },
      },
      true,
    );
    const pixelRange = (values['pixel-range'] ?? 'auto') as PixelRange;
    if (!['auto', '0,1', '-1,1', '0,255'].includes(pixelRange)) fail(`--pixel-range expects auto, 0,1, -1,1 or 0,255, got '${pixelRange}'`);
    const opts: Options = {
      extractor: values.extractor,
      pixelRange,
      inputSize: pair('input-size', values['input-size'], 'x'),
      inputRange: pair('input-range', values['input-range'], ','),
      outputNode: values['output-node'],
      backend: values.backend,
      memoryLimitBytes: memoryLimitOption('fid', values['memory-limit']),
      quiet: values.quiet,
      kid: values.kid,
      batchSize: numberOption('fid', 'batch-size', values['batch-size'], { integer: true, min: 1 }),
    };
    if (values.resize !== undefined) {
      if (values.resize !== 'pytorch-fid' && values.resize !== 'clean') fail(`--resize expects pytorch-fid or clean, got '${values.resize}'`);
      opts.resize = values.resize;
    }
    if (opts.extractor !== undefined && !/^(mnist|identity|tfjs:.+|inception:.+)$/.test(opts.extractor)) {
      fail(`--extractor expects mnist, identity, inception:WEIGHTS or tfjs:PATH, got '${opts.extractor}'`);
    }
    let backend: string | undefined;
    let extractor: FeatureExtractor | undefined;
    const getExtractor = async (): Promise<FeatureExtractor> => {
      if (extractor) return extractor;
      const spec = opts.extractor ?? 'identity';
      if (spec.startsWith('tfjs:') || spec.startsWith('inception:')) {
        const runtime = await import('@flow/runtime');
        const info = await runtime.initBackend(opts.backend);
        backend = info.backend;
        log(`flow fid: TensorFlow.js backend ${info.backend} (${info.reason})`);
      }
      extractor = await createExtractor(spec, { inputSize: opts.inputSize, inputRange: opts.inputRange, outputNode: opts.outputNode, resize: opts.resize, batchSize: opts.batchSize });
      return extractor;
    };
    const t0 = performance.now();

    const saveStats = values['save-stats'];
    if (values.merge) {
      if (saveStats === undefined) fail('--merge needs --save-stats OUT.npz (where the merged statistics go)');
      if (positionals.length === 0) fail('--merge expects one or more statistics files written by --save-stats');
      if (!saveStats.toLowerCase().endsWith('.npz')) fail(`--save-stats ${saveStats}: the output must be a .npz file`);
      for (const part of positionals) if (!existsSync(part)) fail(`${part}: no such file`);
      const merged = mergeStatsFiles(positionals);
      writeStatsState(saveStats, merged);
      if (values.json) printJson({ out: saveStats, dim: merged.dim, count: merged.count, parts: positionals.length, seconds: (performance.now() - t0) / 1000 });
      else log(`flow fid: merged ${positionals.length} statistics files (${merged.count} rows, d = ${merged.dim}) -> ${saveStats}`);
      return 0;
    }
    if (saveStats !== undefined) {
      if (positionals.length !== 1) fail(`--save-stats OUT.npz takes exactly one input (features .npy, image array or folder), got ${positionals.length}`);
      if (!saveStats.toLowerCase().endsWith('.npz')) fail(`--save-stats ${saveStats}: the output must be a .npz file`);
      const side = await loadSide(positionals[0], opts, getExtractor);
      if (side.kind === 'stats') fail(`${positionals[0]}: already a stats file`);
      writeStatsState(saveStats, side.acc as FeatureStatistics);
      const seconds = (performance.now() - t0) / 1000;
      if (values.json) printJson({ out: saveStats, dim: side.dim, count: side.count, seconds, ...(extractor ? { extractor: extractor.name } : {}), ...(backend ? { backend } : {}) });
      else log(`flow fid: wrote ${saveStats} (mu, sigma of ${side.count} rows, d = ${side.dim})`);
      return 0;
    }

    if (positionals.length !== 2) fail(`expected two inputs A B (stats .npz, features .npy, image array or PNG folder), got ${positionals.length}`);
    const a = await loadSide(positionals[0], opts, getExtractor);
    const b = await loadSide(positionals[1], opts, getExtractor);
    if (a.dim !== b.dim) fail(`${positionals[0]} has dimension ${a.dim} but ${positionals[1]} has ${b.dim}`);
    const offsetValue = numberOption('fid', 'offset', values.offset, { min: 0 });
    const t1 = performance.now();
    const r = frechetDistanceDetails(a, b, { offset: offsetValue ?? 'auto', memoryLimitBytes: opts.memoryLimitBytes });
    const secondsFrechet = (performance.now() - t1) / 1000;
    const out: Record<string, unknown> = {
      fid: r.fid,
      dim: r.dim,
      count_a: a.count ?? null,
      count_b: b.count ?? null,
      input_a: a.kind,
      input_b: b.kind,
      rank: r.rank,
      trace_sqrt: r.traceSqrt,
      seconds_frechet: secondsFrechet,
    };
    if (values.kid) {
      if (!a.features || !b.features) fail('--kid needs features or images on both sides (a stats file has no samples)');
      const subsets = numberOption('fid', 'kid-subsets', values['kid-subsets'], { integer: true, min: 1 });
      const subsetSize = numberOption('fid', 'kid-subset-size', values['kid-subset-size'], { integer: true, min: 2 });
      const seed = numberOption('fid', 'seed', values.seed, { integer: true });
      const k = kernelInceptionDistance(a.features, b.features, a.dim, { subsets, subsetSize, seed });
      out.kid = k.kid;
      out.kid_std = k.std;
      out.kid_subsets = k.subsets;
      out.kid_subset_size = k.subsetSize;
    }
    if (extractor) out.extractor = extractor.name;
    if (backend) out.backend = backend;
    out.seconds = (performance.now() - t0) / 1000;
    if (values.json) printJson(out);
    else {
      process.stdout.write(`FID ${r.fid}\n`);
      if (out.kid !== undefined) process.stdout.write(`KID ${out.kid} (std ${out.kid_std})\n`);
      log(`flow fid: d = ${r.dim}, rank ${r.rank}, ${secondsFrechet.toFixed(3)} s for the distance`);
    }
    return 0;
  },
};
