import { parseTrainOptions, TrainOptionError } from '../src/train/train-options';
import { joinPeer } from '../src/train/train-rows';

describe('flow-bench train options', () => {
  it('reads lists, thread count and defaults', () => {
    expect(parseTrainOptions([], 8)).toEqual({ write: false, peer: true, backends: null, presets: null, batches: null, threads: 8, report: null });
    const o = parseTrainOptions(['--backends=WASM,native', '--presets=mnist-fast,cifar10-small', '--batches=16,32', '--threads=2', '--write', '--no-peer', '--report=train-pytorch'], 8);
    expect(o).toEqual({ write: true, peer: false, backends: ['wasm', 'native'], presets: ['mnist-fast', 'cifar10-small'], batches: [16, 32], threads: 2, report: 'train-pytorch' });
  });

  it('rejects bad values and unknown options with a message naming the option', () => {
    expect(() => parseTrainOptions(['--batches=16,x'])).toThrow(/--batches: expected positive integers, got 'x'/);
    expect(() => parseTrainOptions(['--threads=0'])).toThrow(/--threads/);
    expect(() => parseTrainOptions(['--threads=1,2'])).toThrow(/--threads: expected one/);
    expect(() => parseTrainOptions(['--presets='])).toThrow(/--presets: expected a comma-separated list/);
    expect(() => parseTrainOptions(['--backend=wasm'])).toThrow(TrainOptionError);
    expect(() => parseTrainOptions(['--report=../x'])).toThrow(/--report/);
  });
});

describe('flow-bench train --json rows', () => {
  it('joins the PyTorch peer by preset, batch and pass and gives ours / peer', () => {
    const rows = joinPeer(
      [
        { backend: 'wasm', preset: 'mnist-fast', batch: 16, pass: 'forward', imagesPerSecond: 200 },
        { backend: 'wasm', preset: 'mnist-fast', batch: 16, pass: 'forward+backward', imagesPerSecond: NaN },
        { backend: 'cpu', preset: 'mnist', batch: 8, pass: 'forward', imagesPerSecond: 10 },
      ],
      [
        { preset: 'mnist-fast', batch: 16, pass: 'forward', imagesPerSecond: 800 },
        { preset: 'mnist-fast', batch: 16, pass: 'forward+backward', imagesPerSecond: 300 },
      ],
    );
    expect(rows).toEqual([
      { backend: 'wasm', preset: 'mnist-fast', batch: 16, pass: 'forward', images_per_second: 200, peer_images_per_second: 800, ratio: 0.25 },
      { backend: 'wasm', preset: 'mnist-fast', batch: 16, pass: 'forward+backward', images_per_second: null, peer_images_per_second: 300, ratio: null },
      { backend: 'cpu', preset: 'mnist', batch: 8, pass: 'forward', images_per_second: 10, peer_images_per_second: null, ratio: null },
    ]);
    // The shape the issue fixes: exactly these keys, JSON-safe (no NaN).
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['backend', 'batch', 'images_per_second', 'pass', 'peer_images_per_second', 'preset', 'ratio']);
    expect(JSON.parse(JSON.stringify({ rows }))).toEqual({ rows });
  });
});
