import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy, readSafetensors, readTorchStateDict, writeSafetensors } from '@flow/io';
import { initBackend } from '@flow/runtime';
import { createEdm2Unet, edm2ConfigFromKwargs } from '@flow/unet-edm2';
import { importEdm2, loadVelocityModel, TrainerInputError } from '../src/index';

// Fixtures: test/fixtures/edm2/make-fixtures.py (random-weight EDM2 networks with the official module
// structure, in PyTorch 1.13; float32 velocities). No python or torch is needed here.
const fixtures = path.join(__dirname, 'fixtures', 'edm2');
const file = (net: string, name: string) => path.join(fixtures, net, name);

/** |a - b| / |b| over the whole array, and the largest elementwise gap relative to max |b|. */
function relErrors(a: Float32Array, b: Float32Array): { norm: number; max: number } {
  let d2 = 0;
  let b2 = 0;
  let dmax = 0;
  let bmax = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i]! - b[i]!;
    d2 += d * d;
    b2 += b[i]! * b[i]!;
    dmax = Math.max(dmax, Math.abs(d));
    bmax = Math.max(bmax, Math.abs(b[i]!));
  }
  return { norm: Math.sqrt(d2 / b2), max: dmax / bmax };
}

describe('EDM2 import: velocity agrees with PyTorch', () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend('cpu');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-edm2-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function velocityOf(dir: string, net: string): Promise<Float32Array> {
    const model = await loadVelocityModel(dir);
    const x = readNpy(file(net, 'x.npy'));
    const t = readNpy(file(net, 't.npy'));
    const v = tf.tidy(() => model.velocity(tf.tensor(x.data as Float32Array, x.shape), tf.tensor1d(t.data as Float32Array)));
    const out = (await v.data()) as Float32Array;
    v.dispose();
    model.dispose();
    return out;
  }

  it.each([
    ['plain', 'state-dict.pt'],
    ['plain', 'unet-only.pt'],
    ['cond', 'state-dict.pt'],
  ])('%s network from %s: within 1e-4 relative of torch', async (net, checkpoint) => {
    const out = path.join(tmp, `${net}-${checkpoint}`);
    const r = importEdm2({ checkpoint: file(net, checkpoint), config: file(net, 'config.json'), out });
    expect(r.notes.length > 0).toBe(checkpoint === 'unet-only.pt');
    const err = relErrors(await velocityOf(out, net), readNpy(file(net, 'v.npy')).data as Float32Array);
    process.stderr.write(`edm2 import ${net}/${checkpoint}: relative error ${err.norm.toExponential(2)} (norm), ${err.max.toExponential(2)} (max)\n`);
    expect(err.norm).toBeLessThan(1e-4);
    expect(err.max).toBeLessThan(1e-4);
  });

  it('class labels: the network given one-hot labels agrees too', async () => {
    const cfg = edm2ConfigFromKwargs(JSON.parse(readFileSync(file('cond', 'config.json'), 'utf8')) as Record<string, unknown>);
    const net = createEdm2Unet(cfg);
    const out = path.join(tmp, 'cond-labels');
    importEdm2({ checkpoint: file('cond', 'state-dict.pt'), config: file('cond', 'config.json'), out });
    const model = await loadVelocityModel(out);
    model.dispose();
    const tensors = readSafetensors(path.join(out, 'model.safetensors')).tensors;
    net.load(Object.fromEntries(Object.entries(tensors).map(([k, a]) => [k.replace(/^buffer\/net\//, ''), tf.tensor(a.data as Float32Array, a.shape)])));
    const x = readNpy(file('cond', 'x.npy'));
    const t = readNpy(file('cond', 't.npy'));
    const labels = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3), 'float32') as tf.Tensor2D;
    const v = net.forward(tf.tensor(x.data as Float32Array, x.shape), tf.tensor1d(t.data as Float32Array), labels);
    const err = relErrors((await v.data()) as Float32Array, readNpy(file('cond', 'v-label.npy')).data as Float32Array);
    net.dispose();
    expect(err.norm).toBeLessThan(1e-4);
  });

  it('reads safetensors too (with a key prefix), and names what does not match', async () => {
    const sd = readTorchStateDict(file('plain', 'state-dict.pt'));
    const st = path.join(tmp, 'plain.safetensors');
    writeSafetensors(st, Object.fromEntries(Object.entries(sd).map(([k, v]) => [`ema.${k}`, v])));
    const out = path.join(tmp, 'plain-st');
    importEdm2({ checkpoint: st, config: file('plain', 'config.json'), out, key: 'ema' });
    const err = relErrors(await velocityOf(out, 'plain'), readNpy(file('plain', 'v.npy')).data as Float32Array);
    expect(err.norm).toBeLessThan(1e-4);
    expect(() => importEdm2({ checkpoint: st, config: file('plain', 'config.json'), out })).toThrow(/already holds a model/);
    // Without the key, the common prefix is found and stripped, and said so.
    expect(importEdm2({ checkpoint: st, config: file('plain', 'config.json'), out: path.join(tmp, 'x') }).notes).toEqual(["stripped the key prefix 'ema.'"]);
    const wrong = { ...(JSON.parse(readFileSync(file('plain', 'config.json'), 'utf8')) as Record<string, unknown>), model_channels: 16 };
    expect(() => importEdm2({ checkpoint: file('plain', 'state-dict.pt'), config: wrong, out: path.join(tmp, 'y') })).toThrow(/tensor 'unet.emb_noise.weight' has shape \[16, 8\], expected \[32, 16\]/);
    expect(() => importEdm2({ checkpoint: file('plain', 'state-dict.pt'), config: { ...wrong, model_chanels: 8 }, out: path.join(tmp, 'z') })).toThrow(/unknown field\(s\) model_chanels/);
    expect(() => importEdm2({ checkpoint: file('plain', 'nope.pt'), config: wrong, out: path.join(tmp, 'w') })).toThrow(TrainerInputError);
  });
});
