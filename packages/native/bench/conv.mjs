// Per-layer throughput of the native convolutions at the EDM2 U-Net's shapes (NHWC, 3x3, stride 1, 'same').
// Usage (after `npx tsup`): node bench/conv.mjs [threads] ; compare: /usr/bin/python3 bench/conv_torch.py [threads]
import { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, nativeInfo, setNativeThreads } from '../dist/index.js';
import { loadavg } from 'node:os';

const threads = Number(process.argv[2] ?? 0);
if (threads) setNativeThreads(threads);
const info = nativeInfo();
console.log(`OpenBLAS ${info.blasCore}, ${info.threads} threads, load ${loadavg()[0].toFixed(2)}`);
// [batch, size, cin, cout]: mnist-fast (16 ch, 28/14/7) and cifar10-small (32 ch, 32/16/8) levels at batch 16.
const shapes = [[16, 28, 16, 16], [16, 14, 32, 32], [16, 7, 32, 32], [16, 32, 32, 32], [16, 16, 64, 64], [16, 8, 64, 64]];
const rnd = (n) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
for (const [n, s, c, co] of shapes) {
  const g = { batchSize: n, inHeight: s, inWidth: s, inChannels: c, filterHeight: 3, filterWidth: 3, outChannels: co, outHeight: s, outWidth: s, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1 };
  const x = rnd(n * s * s * c), f = rnd(9 * c * co), y = rnd(n * s * s * co), dx = new Float32Array(x.length), df = new Float32Array(f.length);
  const flops = 2 * n * s * s * c * co * 9;
  const cells = [];
  for (const [name, run] of [['fwd', () => conv2dForward(x, f, y, g)], ['bwd-in', () => conv2dBackpropInput(y, f, dx, g)], ['bwd-f', () => conv2dBackpropFilter(x, y, df, g)]]) {
    let best = Infinity;
    for (let r = 0; r < 20; r++) {
      const t0 = performance.now();
      run();
      best = Math.min(best, performance.now() - t0);
    }
    cells.push(`${name} ${best.toFixed(2)} ms ${(flops / best / 1e6).toFixed(0)} GF/s`);
  }
  console.log(`${n}x${s}x${s}x${c}->${co}: ${cells.join(' | ')}`);
}
