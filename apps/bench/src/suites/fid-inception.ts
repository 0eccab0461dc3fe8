import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InceptionExtractor, inceptionWeightsFromTensors, syntheticInceptionTensors } from '@flow/fid';
import { initBackend } from '@flow/runtime';
import { err, repoRoot } from '../report';
import { markdownTable } from '../table';

// PyTorch CPU peer: pytorch-fid's FID Inception (built by the fixture module of @flow/fid) on the same input size.
const TORCH_PEER = String.raw`
import sys, json, time
sys.path.insert(0, sys.argv[1])
import torch
from fid_inception import fid_inception_v3, pool3_features
n, repeats = int(sys.argv[2]), int(sys.argv[3])
net = fid_inception_v3().eval()
x = torch.rand(n, 3, 32, 32)
with torch.no_grad():
    pool3_features(net, x[:1])
    best = None
    for _ in range(repeats):
        t = time.perf_counter(); pool3_features(net, x); dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'images_per_second': n / best}))
`;

interface TorchResult {
  torch: string;
  threads: number;
  images_per_second: number;
}

/**
 * FID Inception throughput (images/s, 32x32 inputs resized to 299 as pytorch-fid does) on the auto-chosen
 * TensorFlow.js backend, beside PyTorch CPU in the same run when /usr/bin/python3 (or FLOW_BENCH_TORCH_PYTHON)
 * imports torch and torchvision. Synthetic weights: throughput does not depend on their values.
 */
export async function inceptionThroughput(quick: boolean): Promise<{ markdown: string; row: Record<string, unknown> }> {
  const info = await initBackend();
  const n = quick ? 4 : 16;
  const repeats = quick ? 1 : 2;
  const ex = new InceptionExtractor(tf, inceptionWeightsFromTensors(syntheticInceptionTensors(), 'synthetic'), { batchSize: n });
  const images = { data: new Float32Array(n * 32 * 32 * 3).map((_, i) => (i % 251) / 250), count: n, height: 32, width: 32, channels: 3 };
  await ex.extract({ ...images, count: 1, data: images.data.subarray(0, 32 * 32 * 3) });
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await ex.extract(images);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  ex.dispose();
  const ours = n / best;
  err(`inception: ${ours.toFixed(2)} images/s on ${info.backend}`);
  const python = process.env.FLOW_BENCH_TORCH_PYTHON ?? '/usr/bin/python3';
  let torch: TorchResult | null = null;
  let note = '';
  const r = spawnSync(python, ['-c', TORCH_PEER, path.join(repoRoot(), 'packages/fid/tools/inception-fixture'), String(n), String(repeats)], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) torch = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as TorchResult;
  else note = `PyTorch peer skipped: ${python} could not run it (${(r.stderr || String(r.error ?? '')).trim().split('\n').pop() ?? 'no torch'}).`;
  if (torch) err(`inception: PyTorch ${torch.torch} CPU (${torch.threads} threads) ${torch.images_per_second.toFixed(2)} images/s`);
  const row = { backend: info.backend, batch: n, ours_images_per_second: ours, torch_images_per_second: torch?.images_per_second ?? null, torch: torch?.torch ?? null, torch_threads: torch?.threads ?? null };
  const markdown = [
    '## FID Inception v3 throughput',
    '',
    `pytorch-fid's FID Inception (synthetic weights), batches of ${n} 32x32 images resized to 299x299, best of ${repeats}; pool3 features.`,
    '',
    markdownTable(
      ['implementation', 'images/s'],
      [
        [`@flow/fid InceptionExtractor, TensorFlow.js ${info.backend}`, ours],
        [torch ? `PyTorch ${torch.torch} CPU, ${torch.threads} thread(s)` : 'PyTorch CPU', torch?.images_per_second ?? null],
      ],
    ),
    '',
    ...(note ? [note, ''] : []),
  ].join('\n');
  return { markdown, row };
}
